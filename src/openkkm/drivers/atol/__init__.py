"""The ``atol`` driver kind: ATOL registers over protocol 3.1 (see :mod:`.driver`)."""

from __future__ import annotations

from .driver import AtolDriver

__all__ = ["AtolDriver"]

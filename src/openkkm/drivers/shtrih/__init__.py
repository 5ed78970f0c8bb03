"""The ``shtrih`` driver: Shtrih-M registers with a ФН over protocol 1 or 2 (PROTOCOLS.md §1).

Modules: ``driver`` (:class:`ShtrihDriver`, the Driver contract), ``link`` (transport, session,
reconnect), ``identity`` (registration read at start), ``receipt`` and ``shift`` (fiscal steps),
``documents`` (FN archive), ``printing`` (slips), ``tags`` (FFD TLVs), ``mapping`` (the one
table between fiscal types and protocol values).
"""

from openkkm.drivers.shtrih.driver import ShtrihDriver

__all__ = ["ShtrihDriver"]

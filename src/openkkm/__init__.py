"""openkkm: a KkmServer-compatible HTTP server for Russian fiscal registers (54-ФЗ).

Layers (imports point only downward): api -> jobs -> drivers -> protocol -> framing -> transport,
with fiscal/ (pure domain model) usable by all of them and emulators/ standing beside drivers.
"""

__version__ = "0.1.0"

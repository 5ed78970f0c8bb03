"""The receipt QR payload (``FISCAL.md`` §9.2, ``API.md`` §9b)."""

from __future__ import annotations

from openkkm.fiscal.money import format_rubles
from openkkm.fiscal.types import FiscalDocument

FN_DIGITS = 16


def qr_fields(document: FiscalDocument) -> dict[str, str]:
    """The six QR fields of a receipt, in order; also the placeholders of OFD link templates."""
    if document.kind is None:
        raise ValueError("only receipts (with a 1054 kind) have a QR payload")
    return {
        "t": document.moment.strftime("%Y%m%dT%H%M%S"),
        "s": format_rubles(document.total),
        "fn": document.fn_number.zfill(FN_DIGITS),
        "i": str(document.number),
        "fp": str(document.fiscal_sign),
        "n": str(int(document.kind)),
    }


def qr_payload(document: FiscalDocument) -> str:
    """``t=YYYYMMDDTHHMMSS&s=R.KK&fn=<16 digits>&i=<FD>&fp=<FP>&n=<1054>``, always with seconds."""
    return "&".join(f"{key}={value}" for key, value in qr_fields(document).items())

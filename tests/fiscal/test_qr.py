"""QR payload and OFD links."""

from __future__ import annotations

import datetime as dt

import pytest

from openkkm.fiscal.ofd_links import receipt_link
from openkkm.fiscal.qr import qr_payload
from openkkm.fiscal.types import DocumentType, FiscalDocument, ReceiptKind


def _doc(**kw: object) -> FiscalDocument:
    base: dict[str, object] = dict(number=482, fiscal_sign=3071182645,
                                   moment=dt.datetime(2026, 11, 24, 15, 37), type=DocumentType.RECEIPT,
                                   fn_number="7380440700123456", shift_number=3, receipt_number=7,
                                   kind=ReceiptKind.SALE, total=125000)
    base.update(kw)
    return FiscalDocument(**base)  # type: ignore[arg-type]


def test_fiscal_md_example() -> None:
    assert qr_payload(_doc()) == "t=20261124T153700&s=1250.00&fn=7380440700123456&i=482&fp=3071182645&n=1"


def test_seconds_kind_and_short_fn() -> None:
    doc = _doc(moment=dt.datetime(2026, 1, 15, 9, 5, 7), fn_number="99078900002287", total=1,
               kind=ReceiptKind.PURCHASE_RETURN, fiscal_sign=12)
    assert qr_payload(doc) == "t=20260115T090507&s=0.01&fn=0099078900002287&i=482&fp=12&n=4"


def test_report_has_no_payload() -> None:
    with pytest.raises(ValueError):
        qr_payload(_doc(kind=None, type=DocumentType.SHIFT_OPEN))


def test_known_ofd_links() -> None:
    doc = _doc()
    assert receipt_link("7709364346", doc) == (
        "https://consumer.1-ofd.ru/ticket?t=20261124T153700&s=1250.00&fn=7380440700123456"
        "&i=482&fp=3071182645&n=1")
    assert receipt_link("7841465198", doc, inn="7700000009", reg_number="00000000010123456789") == (
        "https://check.ofd.ru/rec/7700000009/0000010123456789/7380440700123456/482/3071182645")
    assert receipt_link("7605016030", doc, reg_number="0000000001012345") == (
        "https://ofd.sbis.ru/rec/0000000001012345/2026-11-24%2015:37:00/3071182645")


def test_unknown_ofd_has_no_link() -> None:
    assert receipt_link("1234567890", _doc()) == ""
    assert receipt_link("", _doc()) == ""

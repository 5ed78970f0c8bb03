"""Links to a receipt on its OFD's web site, keyed by the OFD INN (tag 1017, ``FISCAL.md`` §9.3).

The templates are observed, not contractual, so callers may pass their own table (from the
configuration); the defaults below are the known ones.
"""

from __future__ import annotations

from collections.abc import Mapping

from openkkm.fiscal.qr import qr_fields
from openkkm.fiscal.types import FiscalDocument

DEFAULT_TEMPLATES: dict[str, str] = {
    "7709364346": "https://consumer.1-ofd.ru/ticket?t={t}&s={s}&fn={fn}&i={i}&fp={fp}&n={n}",
    "7704211201": "https://receipt.taxcom.ru/v01/show?fp={fp}&s={s}",
    "9715260691": "https://lk.platformaofd.ru/web/noauth/cheque/search?fn={fn}&i={i}&fp={fp}",
    "7728699517": ("https://ofd-ya.ru/check?fiscalDriveNumber={fn}&fiscalDocumentNumber={i}"
                   "&fiscalSign={fp}"),
    "7841465198": "https://check.ofd.ru/rec/{inn}/{rn16}/{fn}/{i}/{fp}",
    "7704358518": "https://ofd.yandex.ru/vaucher/{rn}/{i}/{fp}",
    "7605016030": "https://ofd.sbis.ru/rec/{rn16}/{yyyy}-{MM}-{dd}%20{HH}:{mm}:00/{fp}",
    "6663003127": "https://cash.kontur.ru/CashReceipt/View/FN/{fn}/FD/{i}/FP/{fp}",
}


def receipt_link(ofd_inn: str, document: FiscalDocument, *, inn: str = "", reg_number: str = "",
                 templates: Mapping[str, str] = DEFAULT_TEMPLATES) -> str:
    """The OFD page of a receipt, or ``""`` when the OFD is unknown or the document has no QR."""
    template = templates.get(ofd_inn.strip())
    if template is None or document.kind is None:
        return ""
    moment = document.moment
    values = qr_fields(document) | {
        "inn": inn.strip(),
        "rn": reg_number.strip(),
        "rn16": reg_number.strip()[-16:],
        "yyyy": f"{moment:%Y}", "MM": f"{moment:%m}", "dd": f"{moment:%d}",
        "HH": f"{moment:%H}", "mm": f"{moment:%M}",
    }
    return template.format_map(values)

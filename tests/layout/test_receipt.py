"""The printed fiscal receipt: headers, items, totals, fiscal data and the receipt QR."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import zxingcpp
from PIL import Image as PilImage

from openkkm.api.kkmserver.register_check import build_receipt, parse_register_check
from openkkm.config import DeviceConfig
from openkkm.fiscal.qr import qr_payload
from openkkm.fiscal.types import (
    Cashier,
    Correction,
    CorrectionType,
    DocumentType,
    FfdVersion,
    FiscalDocument,
    Item,
    Payments,
    PrintText,
    Receipt,
    ReceiptKind,
    Registration,
    TaxSystem,
    VatRate,
)
from openkkm.layout.document import BarcodeBlock, Cut
from openkkm.layout.raster import render_png
from openkkm.layout.receipt import layout_receipt, quantity_text

REG = Registration(inn="7700000009", organization='ООО "Ромашка"', tax_systems=(TaxSystem.OSN,),
                   reg_number="0000000001012345", kkt_number="00000000012345",
                   fn_number="7380440700012345", ffd=FfdVersion.V1_2, address="г. Москва",
                   place="Магазин")
DOC = FiscalDocument(number=482, fiscal_sign=3071182645, moment=dt.datetime(2026, 11, 24, 15, 37),
                     type=DocumentType.RECEIPT, fn_number="7380440700123456", shift_number=7,
                     receipt_number=12, kind=ReceiptKind.SALE, total=125000)

#: API.md §9a, the specification's sample receipt.
SAMPLE = {
    "Command": "RegisterCheck", "NumDevice": 0, "IsFiscalCheck": True, "TypeCheck": 0,
    "NotPrint": False, "CashierName": "Kазакова Н.А.", "ClientAddress": "client@server.ru",
    "CheckStrings": [
        {"BarCode": {"BarcodeType": "PDF417",
                     "Barcode": "12345DFG Proba pera, Print barcode 1234567890"}},
        {"PrintText": {"Text": '>#2#<ООО "Рога и копыта"', "Font": 1}},
        {"PrintText": {"Text": "Пример №1 печати поля:<#16#>154,41"}},
        {"PrintText": {"Text": "Шрифт № 1", "Font": 1, "Intensity": 15}},
        {"Register": {"Name": "Сапоги женские DF-3099", "Quantity": 3, "Price": 100,
                      "Amount": 0.01, "Department": 0, "Tax": 18, "EAN13": "1254789547853"},
         "BarCode": {"BarcodeType": "EAN13", "Barcode": "1254789547853"}},
    ],
    "Cash": 800, "CashLessType1": 0.01, "CashLessType2": 0, "CashLessType3": 0,
}


def test_quantity_text() -> None:
    assert [quantity_text(Decimal(q)) for q in ("3", "0.750", "1.000001", "10")] == [
        "3", "0.75", "1.000001", "10"]


def test_receipt_lines_at_32_characters() -> None:
    receipt = Receipt(
        kind=ReceiptKind.SALE,
        items=(Item("Чай зелёный", 62500, Decimal(2), 125000, VatRate.VAT22),),
        payments=Payments(cash=100000, electronic=25000), cashier=Cashier("Иванова А.А."),
        change=5000, footer=(PrintText(">#0#<СПАСИБО!"),),
    )
    document = layout_receipt(receipt, DOC, 32, registration=REG)
    assert document.text().split("\n") == [
        '         ООО "Ромашка"',
        "           г. Москва",
        "            Магазин",
        "          КАССОВЫЙ ЧЕК",
        "     ПРИХОД",
        "1. Чай зелёный",
        "   2 x 625.00           =1250.00",
        "   ПОЛНЫЙ РАСЧЕТ",
        "   НДС 22%               =225.41",
        "-" * 32,
        "ИТОГ    =1250.00",
        "НАЛИЧНЫМИ               =1050.00",
        "БЕЗНАЛИЧНЫМИ             =250.00",
        "СДАЧА                     =50.00",
        "СУММА НДС 22%            =225.41",
        "-" * 32,
        "СНО                          ОСН",
        "КАССИР              Иванова А.А.",
        "ЧЕК 12                   СМЕНА 7",
        "24.11.2026 15:37",
        "ИНН                   7700000009",
        "РН ККТ          0000000001012345",
        "ЗН ККТ            00000000012345",
        "ФН              7380440700123456",
        "ФД 482             ФП 3071182645",
        "САЙТ ФНС        www.nalog.gov.ru",
        "            СПАСИБО!",
    ]
    assert document.blocks[-3] == BarcodeBlock("QR", qr_payload(DOC))
    assert document.blocks[-1] == Cut()


def test_correction_receipt_heading() -> None:
    receipt = Receipt(
        kind=ReceiptKind.SALE, items=(Item("Услуга", 100, Decimal(1), 100, VatRate.NONE),),
        payments=Payments(cash=100),
        correction=Correction(CorrectionType.OWN, dt.date(2026, 11, 1), "7"),
    )
    lines = layout_receipt(receipt, DOC, 40).text().split("\n")
    assert "ТИП КОРРЕКЦИИ             САМОСТОЯТЕЛЬНО" in lines
    assert "ОСНОВАНИЕ              № 7 от 01.11.2026" in lines
    assert "СУММА БЕЗ НДС                      =1.00" in lines
    assert any(line.startswith("ЧЕК КОР. 12") for line in lines)


def test_specification_sample_preview_holds_pdf417_ean13_and_the_receipt_qr() -> None:
    request = parse_register_check(json.loads(json.dumps(SAMPLE), parse_float=Decimal))
    receipt, _ = build_receipt(request, REG, DeviceConfig(num=1), today=dt.date(2026, 11, 24))
    assert isinstance(receipt, Receipt)
    document = FiscalDocument(number=118, fiscal_sign=549164494,
                              moment=dt.datetime(2026, 11, 24, 15, 47), type=DocumentType.RECEIPT,
                              fn_number="9999078900002287", kind=ReceiptKind.SALE, total=1)
    laid_out = layout_receipt(receipt, document, 48, registration=REG)
    text = laid_out.text()
    assert "Пример №1 печати поля:                    154,41" in text
    assert "СДАЧА                                    =800.00" in text
    with PilImage.open(io.BytesIO(render_png(laid_out))) as image:
        found = {(r.format.name, r.text) for r in zxingcpp.read_barcodes(image.convert("L"))}
    assert found == {
        ("PDF417", "12345DFG Proba pera, Print barcode 1234567890"),
        ("EAN13", "1254789547853"),
        ("QRCode", "t=20261124T154700&s=0.01&fn=9999078900002287&i=118&fp=549164494&n=1"),
    }

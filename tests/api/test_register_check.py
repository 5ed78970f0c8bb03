"""RegisterCheck: the specification sample (API.md §9a) and successful conversions."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from openkkm.api.kkmserver.register_check import (
    CheckRequest,
    Notice,
    build_receipt,
    parse_register_check,
    render_check_fields,
)
from openkkm.config import DeviceConfig
from openkkm.fiscal.types import (
    AgentRole,
    Barcode,
    CorrectionType,
    DocumentType,
    FfdVersion,
    FiscalDocument,
    Image,
    Item,
    Measure,
    PageEnd,
    PaymentMethod,
    PaymentObject,
    Payments,
    PrintText,
    Receipt,
    ReceiptKind,
    Registration,
    Slip,
    TaxSystem,
    VatRate,
)

REG = Registration(inn="7700000009", organization='ООО "Ромашка"',
                   tax_systems=(TaxSystem.OSN, TaxSystem.USN_INCOME), reg_number="0000000001012345",
                   kkt_number="00000000012345", fn_number="7380440700012345", ffd=FfdVersion.V1_2,
                   address="г. Москва", place="Магазин", sender_email="noreply@example.ru")
DEVICE = DeviceConfig(num=1)
TODAY = dt.date(2026, 1, 15)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16

SAMPLE = """{
  "Command": "RegisterCheck",
  "NumDevice": 0, "InnKkm": "", "KktNumber": "", "Timeout": 30,
  "IdCommand": "6f1c2a3e-8d4b-4c2f-9a7e-1b2c3d4e5f60",
  "IsFiscalCheck": true, "TypeCheck": 0, "CancelOpenedCheck": true, "NotPrint": false,
  "CashierName": "Kазакова Н.А.", "ClientAddress": "client@server.ru", "TaxVariant": "",
  "CheckProps": [
    {"Print": true, "PrintInHeader": true, "Teg": 1005, "Prop": "Москва, ул. Трехгорка д.13"},
    {"Print": true, "PrintInHeader": true, "Teg": 1010, "Prop": 10.25},
    {"Print": true, "PrintInHeader": true, "Teg": 1073, "Prop": "8(985)775-44-61"}
  ],
  "AdditionalProps": [
    {"Print": true, "PrintInHeader": false, "NameProp": "Дата транзакции", "Prop": "10.11.2024 10:30"}
  ],
  "ClientId": "23FG4GV4D2956",
  "KPP": "782543005",
  "CheckStrings": [
    {"BarCode": {"BarcodeType": "PDF417", "Barcode": "12345DFG Proba pera, Print barcode 1234567890"}},
    {"PrintText": {"Text": ">#2#<ООО \\"Рога и копыта\\"", "Font": 1}},
    {"PrintText": {"Text": "Пример №1 печати поля:<#16#>154,41"}},
    {"PrintText": {"Text": "Шрифт № 1", "Font": 1, "Intensity": 15}},
    {
      "Register": {
        "Name": "Сапоги женские DF-3099",
        "Quantity": 3, "Price": 100, "Amount": 0.01, "Department": 0, "Tax": 18,
        "EAN13": "1254789547853",
        "EGAIS": {"Barcode": "22N0000154NUCPRZ3R8381461004001003499NKAQ0ZBUVDNV62JQAR69PEV878RO93V",
                  "Ean": "3423290167937", "Volume": 0.7500}
      },
      "BarCode": {"BarcodeType": "EAN13", "Barcode": "1254789547853"}
    }
  ],
  "Cash": 800, "CashLessType1": 0.01, "CashLessType2": 0, "CashLessType3": 0
}"""
SAMPLE_WARNING = (
    "CheckStrings[4].Register.Tax: 18 → 20 %; с 01.01.2026 основная ставка 22 % (Tax 22); "
    "CheckStrings[4].Register.SignMethodCalculation = 4; "
    "CheckStrings[4].Register.SignCalculationObject = 1; CheckProps 1005, 1010, 1073: только печать; "
    "CheckStrings[4].Register.EGAIS: не передается")


def sample() -> dict[str, Any]:
    """The §9a body as the HTTP layer hands it over (JSON floats as Decimal)."""
    body: dict[str, Any] = json.loads(SAMPLE, parse_float=Decimal)
    return body


def line(**fields: Any) -> dict[str, Any]:
    """A Register with explicit sign fields (no default warnings)."""
    base: dict[str, Any] = {"Name": "Товар", "Quantity": 1, "Price": 100, "Amount": 100, "Tax": 22,
                            "SignMethodCalculation": 4, "SignCalculationObject": 1}
    base.update(fields)
    return base


def sale(*strings: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A fiscal sale body; one default line paid in cash unless given."""
    body: dict[str, Any] = {"IsFiscalCheck": True, "TypeCheck": 0, "CashierName": "Иванова",
                            "CheckStrings": list(strings) or [{"Register": line()}], "Cash": 100}
    body.update(fields)
    return body


def build(body: dict[str, Any], *, today: dt.date = TODAY, registration: Registration = REG,
          device: DeviceConfig = DEVICE) -> tuple[Receipt | Slip, list[Notice]]:
    return build_receipt(parse_register_check(body), registration, device, today=today)


def receipt_of(body: dict[str, Any], **kw: Any) -> tuple[Receipt, list[str]]:
    document, notices = build(body, **kw)
    assert isinstance(document, Receipt)
    return document, [n.ru for n in notices]


def test_specification_sample() -> None:
    receipt, warnings = receipt_of(sample())
    assert [(i.price, i.quantity, i.amount) for i in receipt.items] == [(0, 2, 0), (1, 1, 1)]
    for item in receipt.items:
        assert item.vat is VatRate.VAT20
        assert item.method is PaymentMethod.FULL_PAYMENT
        assert item.subject is PaymentObject.GOODS
        assert item.measure is Measure.PIECE
        assert item.ean13 == "1254789547853"
    assert receipt.total == 1
    assert receipt.payments == Payments(cash=0, electronic=1)
    assert receipt.change == 80000
    assert receipt.kind is ReceiptKind.SALE and receipt.correction is None
    assert receipt.tax_system is TaxSystem.OSN
    assert receipt.customer_contact == "client@server.ru"
    assert "; ".join(warnings) == SAMPLE_WARNING


def test_sample_warnings_in_english() -> None:
    _, notices = build(sample())
    english = [notice.text("en") for notice in notices]
    assert english[0] == ("CheckStrings[4].Register.Tax: 18 → 20 %; since 2026-01-01 the general rate "
                          "is 22 % (Tax 22)")
    assert english[3:] == ["CheckProps 1005, 1010, 1073: printed only",
                           "CheckStrings[4].Register.EGAIS: not sent"]


def test_sample_print_layout() -> None:
    receipt, _ = receipt_of(sample())
    placed = list(zip(receipt.element_positions, receipt.elements, strict=True))
    assert placed == [
        (0, Barcode("PDF417", "12345DFG Proba pera, Print barcode 1234567890")),
        (0, PrintText('>#2#<ООО "Рога и копыта"', 1, 0)),
        (0, PrintText("Пример №1 печати поля:<#16#>154,41")),
        (0, PrintText("Шрифт № 1", 1, 15)),
        (2, PrintText("Скидка: 299.99")),
        (2, Barcode("EAN13", "1254789547853")),
    ]
    assert receipt.header == (
        PrintText("Адрес оператора перевода: Москва, ул. Трехгорка д.13"),
        PrintText("Размер вознаграждения: 10.25"),
        PrintText("Телефон платежного агента: 8(985)775-44-61"),
    )
    assert receipt.footer == (PrintText("Дата транзакции: 10.11.2024 10:30"),)


def test_sample_answer_fields() -> None:
    req = parse_register_check(sample())
    document = FiscalDocument(number=118, fiscal_sign=549164494, moment=dt.datetime(2026, 1, 15, 15, 47),
                              type=DocumentType.RECEIPT, fn_number="7380440700012345", shift_number=23,
                              receipt_number=1, kind=ReceiptKind.SALE, total=1)
    fields = render_check_fields(req, document, line_length=48)
    qr = "t=20260115T154700&s=0.01&fn=7380440700012345&i=118&fp=549164494&n=1"
    assert fields == {"CheckNumber": 118, "SessionNumber": 23, "SessionCheckNumber": 1, "URL": qr,
                      "QRCode": qr, "OfdUrl": "", "LineLength": 48, "Cash": 800,
                      "ElectronicPayment": Decimal("0.01"), "AdvancePayment": 0, "Credit": 0,
                      "CashProvision": 0, "Info": None}
    assert list(fields) == ["CheckNumber", "SessionNumber", "SessionCheckNumber", "URL", "QRCode",
                            "OfdUrl", "LineLength", "Cash", "ElectronicPayment", "AdvancePayment",
                            "Credit", "CashProvision", "Info"]
    assert isinstance(fields["Cash"], int)
    linked = render_check_fields(req, document, line_length=48, ofd_inn="6663003127")
    assert linked["OfdUrl"] == "https://cash.kontur.ru/CashReceipt/View/FN/7380440700012345/FD/118/FP/549164494"
    assert render_check_fields(req, None, line_length=48) == {}


def test_hash_body_ignores_timeout_id_and_decimal_spelling() -> None:
    first = parse_register_check(sample())
    other = sample() | {"Timeout": 5, "IdCommand": "x", "Cash": "800.00"}
    second = parse_register_check(other)
    assert first.body_for_hash() == second.body_for_hash()
    assert "timeout" not in first.body_for_hash() and "id_command" not in first.body_for_hash()
    changed = parse_register_check(sample() | {"Cash": 801})
    assert changed.body_for_hash() != first.body_for_hash()
    json.dumps(first.body_for_hash())
    assert isinstance(first, CheckRequest)


def test_keys_any_case_and_strings() -> None:
    body = {"isfiscalcheck": "true", "cashiername": "Петров", "CASH": "98.80",
            "checkstrings": [{"register": {"name": "Хлеб", "quantity": "1", "price": "98.80",
                                           "amount": "98.80", "tax": "10", "signmethodcalculation": "4",
                                           "signcalculationobject": 1}}]}
    receipt, warnings = receipt_of(body)
    assert receipt.items[0].amount == 9880 and receipt.items[0].vat is VatRate.VAT10
    assert warnings == []


def test_one_line_discount_and_markup() -> None:
    receipt, warnings = receipt_of(sale({"Register": line(Quantity=2, Price=10, Amount=18)},
                                        {"Register": line(Quantity=1, Price=10, Amount=11)}, Cash=29))
    assert [(i.price, i.amount) for i in receipt.items] == [(900, 1800), (1100, 1100)]
    assert [e.text for e in receipt.elements if isinstance(e, PrintText)] == ["Скидка: 2.00", "Наценка: 1.00"]
    assert receipt.element_positions == (1, 2)
    assert warnings == []


def test_quantity_six_decimals_and_measure_default() -> None:
    precise = line(Quantity=Decimal("1.123456"), Price=1, Amount=Decimal("1.12"))
    receipt, _ = receipt_of(sale({"Register": precise},
                                 {"Register": line(Quantity=2, Price=1, Amount=2)}, Cash=Decimal("3.12")))
    assert receipt.items[0].quantity == Decimal("1.123456")
    assert receipt.items[0].measure is Measure.OTHER
    assert receipt.items[1].measure is Measure.PIECE


def test_measure_on_ffd_105_ignored_with_warning() -> None:
    old = Registration(**{f: getattr(REG, f) for f in REG.__slots__} | {"ffd": FfdVersion.V1_05})
    receipt, warnings = receipt_of(sale({"Register": line(MeasureOfQuantity=11, MeasurementUnit="кг")}),
                                   registration=old)
    assert receipt.items[0].measure is None and receipt.items[0].measure_unit == "кг"
    assert warnings == ["CheckStrings[0].Register.MeasureOfQuantity: игнорируется (ФФД 1.05)"]


def test_name_cut_to_128() -> None:
    receipt, warnings = receipt_of(sale({"Register": line(Name="я" * 130)}))
    assert receipt.items[0].name == "я" * 128
    assert warnings == ["CheckStrings[0].Register.Name: длиннее 128 символов, обрезано"]


def test_legacy_payments_mapped() -> None:
    receipt, _ = receipt_of(sale({"Register": line(Amount=300, Price=300, SignMethodCalculation=5)},
                                 Cash=100, CashLessType1=50, CashLessType2=100, CashLessType3=50))
    assert receipt.payments == Payments(cash=10000, electronic=5000, credit=10000, provision=5000)
    req = parse_register_check(sale(Cash=100, CashLessType1=50, CashLessType2=100, CashLessType3=50))
    document = FiscalDocument(1, 2, dt.datetime(2026, 1, 15), DocumentType.RECEIPT, "1",
                              kind=ReceiptKind.SALE,
                              total=30000)
    fields = render_check_fields(req, document, line_length=-1)
    paid = (fields["Cash"], fields["ElectronicPayment"], fields["Credit"], fields["CashProvision"])
    assert paid == (100, 50, 100, 50)


def test_tax_legacy_118_and_2026_rates() -> None:
    _, warnings = receipt_of(sale({"Register": line(Tax=118, SignMethodCalculation=1)}))
    assert warnings == [
        "CheckStrings[0].Register.Tax: 118 → 20/120; с 01.01.2026 основная ставка 22/122 (Tax 122)"]
    _, warnings = receipt_of(sale({"Register": line(Tax=20)}))
    assert warnings == ["CheckStrings[0].Register.Tax: 20 %; с 01.01.2026 основная ставка 22 % (Tax 22)"]
    _, warnings = receipt_of(sale({"Register": line(Tax=120, SignMethodCalculation=2)}))
    assert warnings == ["CheckStrings[0].Register.Tax: 20/120; с 01.01.2026 основная ставка 22/122 (Tax 122)"]


def test_2025_rates_silent_where_allowed() -> None:
    for body in (sale({"Register": line(Tax=20)}, TypeCheck=1),
                 sale({"Register": line(Tax=20, SignMethodCalculation=7)}),
                 sale({"Register": line(Tax=20)}, TypeCheck=2, CorrectionBaseDate="2025-12-01T00:00:00",
                      CorrectionBaseNumber="1")):
        receipt, warnings = receipt_of(body)
        assert receipt.items[0].vat is VatRate.VAT20
        assert warnings == []
    _, warnings = receipt_of(sale({"Register": line(Tax=20)}), today=dt.date(2025, 12, 31))
    assert warnings == []


def test_credit_turns_method() -> None:
    receipt, warnings = receipt_of(sale(Cash=0, Credit=100))
    assert receipt.items[0].method is PaymentMethod.CREDIT_TRANSFER
    assert warnings == ["CheckStrings[0].Register.SignMethodCalculation: 4 → 6 (Credit = 100.00)"]
    receipt, warnings = receipt_of(sale(Cash=40, Credit=60))
    assert receipt.items[0].method is PaymentMethod.PARTIAL_PAYMENT_CREDIT
    assert warnings == ["CheckStrings[0].Register.SignMethodCalculation: 4 → 5 (Credit = 60.00)"]
    receipt, warnings = receipt_of(sale({"Register": line(SignMethodCalculation=6)}))
    assert receipt.items[0].method is PaymentMethod.FULL_PAYMENT
    assert warnings == ["CheckStrings[0].Register.SignMethodCalculation: 6 → 4 (Credit = 0)"]


def test_cashier_inn() -> None:
    receipt, warnings = receipt_of(sale(CashierVATIN="500100732259"))
    assert receipt.cashier is not None and receipt.cashier.inn == "500100732259" and warnings == []
    receipt, warnings = receipt_of(sale(CashierVATIN="7707083893"))
    assert receipt.cashier is not None and receipt.cashier.inn is None
    assert len(warnings) == 1 and warnings[0].startswith("CashierVATIN: '7707083893'")
    assert "не передается" in warnings[0]


def test_check_props_sent_where_valid() -> None:
    props = [{"Print": False, "Teg": 1117, "Prop": "shop@example.ru"},
             {"Print": True, "PrintInHeader": False, "Teg": 1073, "Prop": "8(985)775-44-61"},
             {"Print": False, "Teg": 1016, "Prop": "7707083893"}]
    receipt, warnings = receipt_of(sale(CheckProps=props, AgentSign=2,
                                        PurveyorData={"PurveyorName": "ООО Поставщик",
                                                      "PurveyorVATIN": "7728168971"}))
    assert receipt.sender_email == "shop@example.ru"
    assert receipt.agent_role is AgentRole.PAYMENT_AGENT
    assert receipt.agent_data is not None
    assert receipt.agent_data.agent_phones == ("+89857754461",)
    assert receipt.agent_data.transfer_operator_inn == "7707083893"
    assert receipt.footer == (PrintText("Телефон платежного агента: 8(985)775-44-61"),)
    assert warnings == []
    _, warnings = receipt_of(sale(CheckProps=props[1:]))
    assert warnings == ["CheckProps 1073: только печать", "CheckProps 1016: не передается и не печатается"]


def test_agent_and_purveyor_on_line() -> None:
    receipt, _ = receipt_of(sale({"Register": line(
        AgentSign=5, AgentData={"PayingAgentOperation": "",
                                "PayingAgentPhone": "+7 (900) 111-22-33, 8 800 200 00 00",
                                "MoneyTransferOperatorVATIN": ""},
        PurveyorData={"PurveyorName": "ИП Сидоров", "PurveyorVATIN": "500100732259",
                      "PurveyorPhone": "+7-495-000-00-00"})}))
    item = receipt.items[0]
    assert item.agent_role is AgentRole.COMMISSION_AGENT
    assert item.agent_data is not None and item.agent_data.agent_phones == ("+79001112233", "+88002000000")
    assert item.supplier is not None and item.supplier.phones == ("+74950000000",)
    assert item.supplier.inn == "500100732259"
    receipt, _ = receipt_of(sale({"Register": line(AgentData={"PayingAgentOperation": ""},
                                                   PurveyorData={"PurveyorName": ""})}))
    assert receipt.items[0].agent_data is None and receipt.items[0].supplier is None


def test_correction_synthesised_line() -> None:
    receipt, warnings = receipt_of({"IsFiscalCheck": True, "TypeCheck": 2, "CashierName": "Иванова",
                                    "CorrectionType": 0, "CorrectionBaseDate": "2026-01-10T00:00:00",
                                    "CorrectionBaseNumber": "12", "Amount": 122, "SumTaxNone": 0,
                                    "SumTax22": 22, "ElectronicPayment": 122,
                                    "AdditionalProps": [{"NameProp": "a", "Prop": "b", "Print": True}]})
    assert receipt.correction is not None
    assert receipt.correction.type is CorrectionType.OWN
    assert receipt.correction.base_date == dt.date(2026, 1, 10)
    assert receipt.correction.base_number == "12"
    assert receipt.items == (Item("Чек корректировки", 12200, Decimal(1), 12200, VatRate.VAT22,
                                  PaymentMethod.FULL_PAYMENT, PaymentObject.GOODS, Measure.PIECE),)
    assert receipt.items[0].vat_amount == 2200
    assert receipt.footer == ()
    assert warnings == ["AdditionalProps: не печатаются в чеке коррекции"]


def test_correction_default_type_and_lines() -> None:
    receipt, _ = receipt_of(sale(TypeCheck=13, CorrectionBaseDate="10.01.2026", CorrectionBaseNumber="A-1"))
    assert receipt.kind is ReceiptKind.PURCHASE_RETURN
    assert receipt.correction is not None and receipt.correction.type is CorrectionType.BY_ORDER
    assert receipt.items[0].name == "Товар"


def test_tax_variant_and_receipt_fields() -> None:
    receipt, _ = receipt_of(sale(TaxVariant=1, ClientInfo="ООО Покупатель", ClientINN="7707083893",
                                 NotPrint=True, ClientAddress="+79001112233", NumberCopies=1,
                                 UserAttribute={"Name": "Карта", "Value": "42"}, InternetMode=True,
                                 AdditionalAttribute="A1", AddressSettle="Склад"))
    assert receipt.tax_system is TaxSystem.USN_INCOME
    assert receipt.customer_inn == "7707083893" and receipt.customer_name == "ООО Покупатель"
    assert receipt.print_paper is False and receipt.copies == 1
    assert receipt.user_attribute == ("Карта", "42") and receipt.attribute == "A1"
    assert receipt.internet is True
    assert receipt.settlement_address == "Склад" and receipt.settlement_place == "Магазин"
    assert receipt.sender_email == "noreply@example.ru"


def test_entry_order_and_null_entries() -> None:
    image = base64.b64encode(PNG).decode()
    receipt, warnings = receipt_of(sale(
        None,  # type: ignore[arg-type]
        {"BarCode": {"BarcodeType": "ean8", "Barcode": "9638507"}, "Register": line(),
         "PrintText": {"Text": "t", "Intensity": 20}, "PrintImage": {"Image": image},
         "EndPage": True},
        {"PrintImage": None, "PrintText": {"Text": "after"}}))
    assert list(zip(receipt.element_positions, receipt.elements, strict=True)) == [
        (0, Image(PNG)), (0, PrintText("t", 0, 0)), (1, Barcode("EAN8", "96385074")), (1, PrintText("after"))]
    assert warnings == ["CheckStrings[1].PrintText.Intensity: 20 → 0 (допустимо 0–15)",
                        "CheckStrings[1].EndPage: в фискальном чеке не используется"]


def test_marked_line_on_ffd12() -> None:
    code = "0104601234567890215Abc1234567\x1d91EE10\x1d92dGVzdA=="
    req_body = sale({"Register": line(GoodCodeData={"BarCode": code, "IndustryProps": "x"})})
    receipt, warnings = receipt_of(req_body)
    assert receipt.items[0].quantity == 1 and warnings == []
    document = FiscalDocument(1, 2, dt.datetime(2026, 1, 15), DocumentType.RECEIPT, "1",
                              kind=ReceiptKind.SALE,
                              total=10000)
    fields = render_check_fields(parse_register_check(req_body), document, line_length=48)
    assert fields["MarkingCodeValidation"] == [{"Name": "Товар", "BarCode": code, "IndustryProps": "x",
                                                "ValidationPR": {"ValidationDisabled": True}}]
    assert list(fields)[-2:] == ["MarkingCodeValidation", "Info"]
    receipt, _ = receipt_of(sale({"Register": line(Quantity=3, Amount=300, PackageQuantity=10,
                                                   GoodCodeData={"BarCode": code})}, Cash=300))
    assert receipt.items[0].quantity == 3
    receipt, warnings = receipt_of(sale({"Register": line(GoodCodeData={"BarCode": ""},
                                                          SignMethodCalculation=None)}))
    assert warnings == ["CheckStrings[0].Register.SignMethodCalculation = 4"]


def test_non_fiscal_slip() -> None:
    image = base64.b64encode(PNG).decode()
    document, notices = build({"IsFiscalCheck": False, "NotPrint": False, "CashierName": "",
                               "CheckStrings": [{"PrintImage": {"Image": "data:image/png;base64," + image},
                                                 "PrintText": {"Text": "Привет", "Font": 2},
                                                 "Register": line(Tax=19),
                                                 "BarCode": {"BarcodeType": "QR", "Barcode": "https://x"}},
                                                {"EndPage": True}]})
    assert document == Slip((Image(PNG), PrintText("Привет", 2), Barcode("QR", "https://x"), PageEnd()))
    assert [n.ru for n in notices] == [
        "CheckStrings[0].Register: не регистрируется: нефискальный документ (IsFiscalCheck = false)"]
    assert [n.text("en") for n in notices] == [
        "CheckStrings[0].Register: not registered: a non-fiscal document (IsFiscalCheck = false)"]
    assert build({"CheckStrings": []})[0] == Slip(())

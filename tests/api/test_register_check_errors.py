"""RegisterCheck: every refused input names its field by wire path and says why (API.md §6.3, §8)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from openkkm.api.kkmserver.fields import error_text
from openkkm.api.kkmserver.register_check import build_receipt, parse_register_check
from openkkm.config import DeviceConfig
from openkkm.errors import ValidationError
from openkkm.fiscal.types import FfdVersion, Registration, TaxSystem

REG = Registration(inn="7700000009", organization="ООО", tax_systems=(TaxSystem.OSN, TaxSystem.USN_INCOME),
                   reg_number="0000000001012345", kkt_number="1", fn_number="7380440700012345",
                   ffd=FfdVersion.V1_2)
TODAY = dt.date(2026, 1, 15)
CODE = "0104601234567890215Abc1234567\x1d91EE10\x1d92dGVzdA=="


def line(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"Name": "Товар", "Quantity": 1, "Price": 100, "Amount": 100, "Tax": 22,
                            "SignMethodCalculation": 4, "SignCalculationObject": 1}
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def sale(*strings: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"IsFiscalCheck": True, "CashierName": "Иванова",
                            "CheckStrings": list(strings) or [{"Register": line()}], "Cash": 100}
    body.update(fields)
    return body


def refused(body: dict[str, Any], *, today: dt.date = TODAY, registration: Registration = REG,
            device: DeviceConfig | None = None) -> str:
    """The Russian error text of a refused body (the ``Error`` field as the HTTP layer renders it)."""
    with pytest.raises(ValidationError) as err:
        build_receipt(parse_register_check(body), registration, device or DeviceConfig(num=1),
                      today=today)
    assert error_text(err.value, "en")  # the English text renders too
    return error_text(err.value, "ru")


def test_tax_not_accepted_lists_values() -> None:
    body = sale({"PrintText": {"Text": "a"}}, {"PrintText": {"Text": "b"}}, {}, {},
                {"Register": line(Tax=19)})
    assert refused(body) == ("Поле CheckStrings[4].Register.Tax: недопустимое значение 19; допустимо "
                             "-1, 0, 5, 7, 10, 20, 22, 105, 107, 110, 120, 122")


def test_cashier_missing() -> None:
    assert refused(sale(CashierName=" ")) == "Не указан кассир (поле CashierName)"


def test_cashier_not_needed_in_automatic_mode() -> None:
    receipt, _ = build_receipt(parse_register_check(sale(CashierName=None)), replace(REG, automatic=True),
                               DeviceConfig(num=1), today=TODAY)
    assert receipt.cashier is None  # type: ignore[union-attr]


def test_no_fiscal_lines() -> None:
    no_lines = "В чеке нет фискальных строк (CheckStrings[].Register)"
    assert refused(sale({"PrintText": {"Text": "x"}})) == no_lines
    assert refused(sale(CheckStrings=None)) == no_lines


def test_payments_short() -> None:
    assert refused(sale(Cash=99)) == "Сумма оплат (99.00) меньше суммы по строкам чека (100.00)"


def test_change_only_from_cash() -> None:
    assert refused(sale(Cash=10, ElectronicPayment=120)) == (
        "Сдача (30.00) больше оплаты наличными (Cash = 10.00): сдачу можно выдать только наличными")


def test_negative_payment() -> None:
    assert refused(sale(Cash=-1)).startswith("Поле Cash: отрицательная сумма")


def test_legacy_and_modern_payment_both_set() -> None:
    assert refused(sale(ElectronicPayment=100, CashLessType1=100, Cash=0)) == (
        "Поля ElectronicPayment и CashLessType1 заданы оба; укажите сумму в одном из них")
    assert refused(sale(CashProvision=100, CashLessType3=100, Cash=0)).startswith(
        "Поля CashProvision и CashLessType3")


@pytest.mark.parametrize(("value", "expected"), [
    (8, "Поле TypeCheck: 8 (только ЕГАИС"), (9, "Поле TypeCheck: 9 (только ЕГАИС"),
    (5, "Поле TypeCheck: недопустимое значение 5; допустимо 0, 1, 2, 3, 10, 11, 12, 13"),
])
def test_type_check(value: int, expected: str) -> None:
    assert refused(sale(TypeCheck=value)).startswith(expected)


def test_return_correction_needs_ffd_11() -> None:
    text = refused(sale(TypeCheck=3, CorrectionBaseDate="2026-01-01", CorrectionBaseNumber="1"),
                   registration=replace(REG, ffd=FfdVersion.V1_05))
    assert text.startswith("Поле TypeCheck:") and "1.05" in text


def test_client_inn_invalid() -> None:
    assert refused(sale(ClientINN="7707083894")).startswith(
        "Поле ClientINN: недействительный ИНН '7707083894'")


@pytest.mark.parametrize(("fields", "path", "phrase"), [
    ({"Quantity": 0}, "Quantity", "больше нуля"),
    ({"Quantity": -2}, "Quantity", "больше нуля"),
    ({"Quantity": "1.1234567"}, "Quantity", "6 знаков"),
    ({"Quantity": None}, "Quantity", "не указано количество"),
    ({"Price": "100.001"}, "Price", "больше двух знаков"),
    ({"Amount": -1}, "Amount", "отрицательная сумма"),
    ({"Amount": "0.005"}, "Amount", "больше двух знаков"),
    ({"Amount": None, "Price": None}, "Amount", "не указаны цена и сумма"),
    ({"Name": ""}, "Name", "не указано наименование"),
    ({"Tax": None}, "Tax", "не указано; допустимо -1"),
    ({"Tax": "20.5"}, "Tax", "ожидается целое число"),
    ({"SignMethodCalculation": 8}, "SignMethodCalculation", "недопустимое значение 8; допустимо 1–7"),
    ({"SignCalculationObject": 28}, "SignCalculationObject", "недопустимое значение 28"),
    ({"SignCalculationObject": 2}, "SignCalculationObject", "подакцизный"),
    ({"MeasureOfQuantity": 5}, "MeasureOfQuantity", "недопустимое значение 5"),
    ({"Department": -1}, "Department", "недопустимое значение -1"),
    ({"CountryOfOrigin": "RUS"}, "CountryOfOrigin", "три цифры"),
    ({"AgentSign": 7}, "AgentSign", "допустимо 0–6"),
    ({"AgentSign": 2}, "PurveyorData.PurveyorVATIN", "обязательно при AgentSign"),
    ({"PurveyorData": {"PurveyorName": "П", "PurveyorVATIN": "1234567890"}}, "PurveyorData.PurveyorVATIN",
     "недействительный ИНН"),
    ({"PurveyorData": {"PurveyorName": "П"}}, "PurveyorData.PurveyorVATIN", "не указан ИНН"),
    ({"PurveyorData": {"PurveyorVATIN": "7707083893"}}, "PurveyorData.PurveyorName", "не указано"),
    ({"AgentData": {"MoneyTransferOperatorVATIN": "123"}}, "AgentData.MoneyTransferOperatorVATIN",
     "недействительный ИНН"),
])
def test_line_field_errors(fields: dict[str, Any], path: str, phrase: str) -> None:
    text = refused(sale({}, {"Register": line(**fields)}))
    assert text.startswith(f"Поле CheckStrings[1].Register.{path}: "), text
    assert phrase in text, text


def test_vat_code_before_its_date() -> None:
    text = refused(sale({"Register": line(Tax=22)}), today=dt.date(2025, 12, 31))
    assert text.startswith("Поле CheckStrings[0].Register.Tax: ставка НДС 22 % применяется с 01.01.2026")
    text = refused(sale({"Register": line(Tax=105)}), today=dt.date(2024, 12, 31))
    assert text.startswith("Поле CheckStrings[0].Register.Tax: ставка НДС 5/105 применяется с 01.01.2025")


def test_strict_vat_refuses_20_in_2026() -> None:
    text = refused(sale({"Register": line(Tax=20)}), device=DeviceConfig(num=1, strict_vat=True))
    assert text.startswith("Поле CheckStrings[0].Register.Tax: 20 %; с 01.01.2026 основная ставка 22 %")
    assert "strict_vat" in text


def test_ffd12_object_on_old_register() -> None:
    text = refused(sale({"Register": line(SignCalculationObject=33)}),
                   registration=replace(REG, ffd=FfdVersion.V1_05))
    assert text.startswith("Поле CheckStrings[0].Register.SignCalculationObject:") and "1.05" in text


def test_marking_rules() -> None:
    old = replace(REG, ffd=FfdVersion.V1_1)
    text = refused(sale({"Register": line(GoodCodeData={"BarCode": CODE})}), registration=old)
    assert text.startswith("Поле CheckStrings[0].Register.GoodCodeData:") and "ФФД 1.1" in text
    text = refused(sale({"Register": line(GoodCodeData={"BarCode": CODE}, SignCalculationObject=None)}))
    assert text == ("Поле CheckStrings[0].Register.SignCalculationObject: обязательно для "
                    "маркированного товара (GoodCodeData)")
    text = refused(sale({"Register": line(GoodCodeData={"BarCode": CODE}, SignMethodCalculation=None)}))
    assert text.startswith("Поле CheckStrings[0].Register.SignMethodCalculation: обязательно")
    text = refused(sale({"Register": line(GoodCodeData={"BarCode": CODE}, Quantity=2, Amount=200)}, Cash=200))
    assert text.startswith("Поле CheckStrings[0].Register.Quantity: для товара с кодом маркировки")
    text = refused(sale({"Register": line(GoodCodeData={"MarkingCodeBase64": "%%%"})}))
    assert text.startswith("Поле CheckStrings[0].Register.GoodCodeData.MarkingCodeBase64:")
    text = refused(sale({"Register": line(GoodCodeData={"BarCode": CODE}, Quantity=11, Amount=1100,
                                          PackageQuantity=10)}, Cash=1100))
    assert text.startswith("Поле CheckStrings[0].Register.Quantity: из упаковки")


@pytest.mark.parametrize(("entry", "path", "phrase"), [
    ({"PrintText": {"Text": "x", "Font": 5}}, "PrintText.Font", "недопустимое значение 5; допустимо 0–4"),
    ({"PrintText": {"Text": "x", "Font": -1}}, "PrintText.Font", "допустимо 0–4"),
    ({"BarCode": {"BarcodeType": "UPC", "Barcode": "1"}}, "BarCode.BarcodeType",
     "допустимо EAN13, EAN8, CODE39, CODE128, PDF417, QR"),
    ({"BarCode": {"BarcodeType": "EAN13", "Barcode": "1254789547854"}}, "BarCode.Barcode",
     "неверная контрольная цифра EAN-13 в '1254789547854': должна быть 3"),
    ({"BarCode": {"BarcodeType": "EAN13", "Barcode": "12547895478"}}, "BarCode.Barcode", "12 или 13 цифр"),
    ({"BarCode": {"BarcodeType": "EAN8", "Barcode": "96385070"}}, "BarCode.Barcode", "должна быть 4"),
    ({"BarCode": {"BarcodeType": "CODE39", "Barcode": "abc"}}, "BarCode.Barcode", "CODE39"),
    ({"BarCode": {"BarcodeType": "CODE128", "Barcode": "Ж"}}, "BarCode.Barcode", "ASCII"),
    ({"BarCode": {"BarcodeType": "QR", "Barcode": ""}}, "BarCode.Barcode", "не задано"),
    ({"PrintImage": {"Image": "not base64!"}}, "PrintImage.Image", "base64"),
    ({"PrintImage": {"Image": "aGVsbG8="}}, "PrintImage.Image", "BMP, PNG или JPEG"),
])
def test_element_errors(entry: dict[str, Any], path: str, phrase: str) -> None:
    for body in (sale(entry, {"Register": line()}), {"IsFiscalCheck": False, "CheckStrings": [entry]}):
        text = refused(body)
        assert text.startswith(f"Поле CheckStrings[0].{path}: "), text
        assert phrase in text, text


def test_correction_needs_base() -> None:
    assert refused(sale(TypeCheck=2, CorrectionBaseNumber="1")) == (
        "Поле CorrectionBaseDate: обязательно для чека коррекции")
    assert refused(sale(TypeCheck=2, CorrectionBaseDate="2026-01-01")) == (
        "Поле CorrectionBaseNumber: обязательно для чека коррекции")
    assert refused(sale(TypeCheck=2, CorrectionBaseDate="01/01/2026", CorrectionBaseNumber="1")).startswith(
        "Поле CorrectionBaseDate: недопустимая дата '01/01/2026'")
    assert "позже" in refused(sale(TypeCheck=2, CorrectionBaseDate="2026-02-01", CorrectionBaseNumber="1"))
    assert refused(sale(TypeCheck=2, CorrectionType=3, CorrectionBaseDate="2026-01-01",
                        CorrectionBaseNumber="1")).startswith("Поле CorrectionType: недопустимое значение 3")
    assert refused(sale(TypeCheck=12, CheckStrings=[], CorrectionBaseDate="2026-01-01",
                        CorrectionBaseNumber="1", Amount=0)) == (
        "В чеке нет фискальных строк (CheckStrings[].Register)")
    text = refused(sale(TypeCheck=2, CheckStrings=[], CorrectionBaseDate="2025-01-01",
                        CorrectionBaseNumber="1", Amount=100, SumTax22="18.03"),
                   today=dt.date(2025, 6, 1))
    assert text.startswith("Поле SumTax22: ставка НДС 22 %")


def test_not_print_needs_client_address() -> None:
    assert refused(sale(NotPrint=True)).startswith("Поле ClientAddress: обязательно при NotPrint = true")


def test_tax_variant() -> None:
    assert refused(sale(TaxVariant="7")) == (
        "Поле TaxVariant: недопустимое значение '7'; допустимо 0, 1, 2, 3, 4, 5")
    assert refused(sale(TaxVariant=5)) == (
        "Поле TaxVariant: СНО 5 не зарегистрирована в ККТ; зарегистрированы: 0, 1")


def test_receipt_level_fields() -> None:
    assert refused(sale(UserAttribute={"Name": "n"})) == "Поле UserAttribute.Value: не указано"
    assert refused(sale(AdditionalAttribute="x" * 17)) == "Поле AdditionalAttribute: длиннее 16 символов"
    assert refused(sale(NumberCopies=-1)) == "Поле NumberCopies: недопустимое значение -1"
    assert refused(sale(AgentSign=9)) == "Поле AgentSign: недопустимое значение 9; допустимо 0–6"
    assert refused(sale(CheckProps=[{"Prop": "x"}])) == "Поле CheckProps[0].Teg: не указан номер тега"


@pytest.mark.parametrize(("body", "path", "phrase"), [
    (sale({"Register": line(Price="98,80")}), "CheckStrings[0].Register.Price", "'98,80'"),
    (sale({"Register": line(Quantity="abc")}), "CheckStrings[0].Register.Quantity", "ожидается число"),
    (sale(TypeCheck="x"), "TypeCheck", "ожидается целое число"),
    (sale(IsFiscalCheck="maybe"), "IsFiscalCheck", "true или false"),
    (sale(CheckStrings="x"), "CheckStrings", "ожидается массив"),
    (sale({}, {}, {"Register": 5}), "CheckStrings[2].Register", "ожидается объект"),
    (sale({}, {"Register": line(GoodCodeData=[1])}), "CheckStrings[1].Register.GoodCodeData",
     "ожидается объект"),
])
def test_type_errors(body: dict[str, Any], path: str, phrase: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_register_check(body)
    text = error_text(err.value, "ru")
    assert text.startswith(f"Поле {path}: "), text
    assert phrase in text, text
    assert error_text(err.value, "en").startswith(f"Field {path}: ")


def test_first_error_wins_in_step_order() -> None:
    # No cashier (step 4) is reported before a bad line (step 7) and short payments (step 10).
    body = sale({"Register": line(Tax=19)}, CashierName=None, Cash=0)
    assert refused(body) == "Не указан кассир (поле CashierName)"
    body = sale({"Register": line(Tax=19)}, Cash=0)
    assert refused(body).startswith("Поле CheckStrings[0].Register.Tax:")

"""Pydantic models of the ``RegisterCheck`` body (``API.md`` §6.3.1–6.3.5), types only.

Keys arrive lower-cased (``fields.wire``); values are converted leniently (§2.3). Range and
cross-field rules are not here: they run later, in ``API.md`` §6.3.10 order, so that the first
error a cashier sees is the one KkmServer's order gives.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openkkm.api.kkmserver.fields import Bool, Int, Money, Number, Text, WireModel, wire

# "Barcode" (the value) and "BarCode" (the element, the marking code) differ only in case; the
# element's spelling is registered last so that paths print ``BarCode``.
_BARCODE_VALUE = wire("Barcode")


class PrintTextData(WireModel):
    """``PrintText``: a text line with optional font and intensity."""

    text: Text = wire("Text")
    font: Int = wire("Font")
    intensity: Int = wire("Intensity")


class BarCodeData(WireModel):
    """``BarCode``: a barcode to print."""

    barcode_type: Text = wire("BarcodeType")
    barcode: Text = _BARCODE_VALUE


class PrintImageData(WireModel):
    """``PrintImage``: a base64 image."""

    image: Text = wire("Image")


class AgentDataData(WireModel):
    """``AgentData`` (tag 1223)."""

    paying_agent_operation: Text = wire("PayingAgentOperation")
    paying_agent_phone: Text = wire("PayingAgentPhone")
    receive_payments_operator_phone: Text = wire("ReceivePaymentsOperatorPhone")
    money_transfer_operator_phone: Text = wire("MoneyTransferOperatorPhone")
    money_transfer_operator_name: Text = wire("MoneyTransferOperatorName")
    money_transfer_operator_address: Text = wire("MoneyTransferOperatorAddress")
    money_transfer_operator_vatin: Text = wire("MoneyTransferOperatorVATIN")


class PurveyorDataData(WireModel):
    """``PurveyorData`` (tags 1224, 1226)."""

    purveyor_phone: Text = wire("PurveyorPhone")
    purveyor_name: Text = wire("PurveyorName")
    purveyor_vatin: Text = wire("PurveyorVATIN")


class GoodCodeDataData(WireModel):
    """``GoodCodeData``: a marking code (§6.3.4)."""

    bar_code: Text = wire("BarCode")
    marking_code_base64: Text = wire("MarkingCodeBase64")
    contains_serial_number: Bool = wire("ContainsSerialNumber")
    accept_on_bad: Bool = wire("AcceptOnBad")
    stamp_type: Text = wire("StampType")
    gtin: Text = wire("GTIN")
    serial_number: Text = wire("SerialNumber")
    industry_props: Any = wire("IndustryProps")
    add_industry_props: Any = wire("AddIndustryProps")

    @property
    def is_empty(self) -> bool:
        """True when no code is given at all (the object is then dropped)."""
        return not any((self.bar_code, self.marking_code_base64, self.gtin, self.serial_number))


class EgaisData(WireModel):
    """``EGAIS``: alcohol data for the УТМ."""

    barcode: Text = _BARCODE_VALUE
    ean: Text = wire("Ean")
    volume: Number = wire("Volume")


class RegisterData(WireModel):
    """``Register``: one fiscal line (§6.3.3)."""

    name: Text = wire("Name")
    quantity: Number = wire("Quantity")
    price: Money = wire("Price")
    amount: Money = wire("Amount")
    department: Int = wire("Department")
    tax: Number = wire("Tax")
    sign_method_calculation: Int = wire("SignMethodCalculation")
    sign_calculation_object: Int = wire("SignCalculationObject")
    measure_of_quantity: Int = wire("MeasureOfQuantity")
    measurement_unit: Text = wire("MeasurementUnit")
    package_quantity: Int = wire("PackageQuantity")
    good_code_data: GoodCodeDataData | None = wire("GoodCodeData")
    ean13: Text = wire("EAN13")
    agent_sign: Int = wire("AgentSign")
    agent_data: AgentDataData | None = wire("AgentData")
    purveyor_data: PurveyorDataData | None = wire("PurveyorData")
    additional_attribute: Text = wire("AdditionalAttribute")
    country_of_origin: Text = wire("CountryOfOrigin")
    customs_declaration: Text = wire("CustomsDeclaration")
    excise_amount: Money = wire("ExciseAmount")
    egais: EgaisData | None = wire("EGAIS")


class CheckString(WireModel):
    """One ``CheckStrings`` element; several kinds may be present at once (§6.3.2)."""

    print_image: PrintImageData | None = wire("PrintImage")
    print_text: PrintTextData | None = wire("PrintText")
    line: RegisterData | None = wire("Register")
    bar_code: BarCodeData | None = wire("BarCode")
    end_page: Bool = wire("EndPage")


class CheckProp(WireModel):
    """A ``CheckProps`` entry: an FFD 1.0-era tag value (§9c)."""

    print: Bool = wire("Print")
    print_in_header: Bool = wire("PrintInHeader")
    teg: Int = wire("Teg")
    prop: Text = wire("Prop")


class AdditionalProp(WireModel):
    """An ``AdditionalProps`` entry: a printed «NameProp: Prop» line."""

    print: Bool = wire("Print")
    print_in_header: Bool = wire("PrintInHeader")
    name_prop: Text = wire("NameProp")
    prop: Text = wire("Prop")


class UserAttributeData(WireModel):
    """``UserAttribute`` (tag 1084 = 1085 name, 1086 value)."""

    name: Text = wire("Name")
    value: Text = wire("Value")


#: Old-style correction totals in the order of ``API.md`` §6.3.8: (attribute, wire name, ``Tax``).
SUM_TAX_FIELDS: tuple[tuple[str, str, int], ...] = (
    ("sum_tax_none", "SumTaxNone", -1), ("sum_tax0", "SumTax0", 0), ("sum_tax5", "SumTax5", 5),
    ("sum_tax7", "SumTax7", 7), ("sum_tax10", "SumTax10", 10), ("sum_tax20", "SumTax20", 20),
    ("sum_tax22", "SumTax22", 22), ("sum_tax105", "SumTax105", 105),
    ("sum_tax107", "SumTax107", 107), ("sum_tax110", "SumTax110", 110),
    ("sum_tax120", "SumTax120", 120), ("sum_tax122", "SumTax122", 122),
    ("sum_tax18", "SumTax18", 18), ("sum_tax118", "SumTax118", 118),
)


class CheckRequestBase(WireModel):
    """Every field of the ``RegisterCheck`` body (§6.3.1)."""

    num_device: Int = wire("NumDevice")
    inn_kkm: Text = wire("InnKkm")
    kkt_number: Text = wire("KktNumber")
    timeout: Int = wire("Timeout")
    id_command: Text = wire("IdCommand")
    is_fiscal_check: Bool = wire("IsFiscalCheck")
    type_check: Int = wire("TypeCheck")
    not_print: Bool = wire("NotPrint")
    number_copies: Int = wire("NumberCopies")
    cancel_opened_check: Bool = wire("CancelOpenedCheck")
    cashier_name: Text = wire("CashierName")
    cashier_vatin: Text = wire("CashierVATIN")
    client_address: Text = wire("ClientAddress")
    client_info: Text = wire("ClientInfo")
    client_inn: Text = wire("ClientINN")
    sender_email: Text = wire("SenderEmail")
    address_settle: Text = wire("AddressSettle")
    place_market: Text = wire("PlaceMarket")
    tax_variant: Text = wire("TaxVariant")
    internet_mode: Bool = wire("InternetMode")
    agent_sign: Int = wire("AgentSign")
    agent_data: AgentDataData | None = wire("AgentData")
    purveyor_data: PurveyorDataData | None = wire("PurveyorData")
    user_attribute: UserAttributeData | None = wire("UserAttribute")
    additional_attribute: Text = wire("AdditionalAttribute")
    check_strings: list[CheckString | None] | None = wire("CheckStrings")
    cash: Money = wire("Cash")
    electronic_payment: Money = wire("ElectronicPayment")
    advance_payment: Money = wire("AdvancePayment")
    credit: Money = wire("Credit")
    cash_provision: Money = wire("CashProvision")
    cash_less_type1: Money = wire("CashLessType1")
    cash_less_type2: Money = wire("CashLessType2")
    cash_less_type3: Money = wire("CashLessType3")
    check_props: list[CheckProp | None] | None = wire("CheckProps")
    additional_props: list[AdditionalProp | None] | None = wire("AdditionalProps")
    correction_type: Int = wire("CorrectionType")
    correction_base_date: Text = wire("CorrectionBaseDate")
    correction_base_number: Text = wire("CorrectionBaseNumber")
    amount: Money = wire("Amount")
    sum_tax_none: Money = wire("SumTaxNone")
    sum_tax0: Money = wire("SumTax0")
    sum_tax5: Money = wire("SumTax5")
    sum_tax7: Money = wire("SumTax7")
    sum_tax10: Money = wire("SumTax10")
    sum_tax20: Money = wire("SumTax20")
    sum_tax22: Money = wire("SumTax22")
    sum_tax105: Money = wire("SumTax105")
    sum_tax107: Money = wire("SumTax107")
    sum_tax110: Money = wire("SumTax110")
    sum_tax120: Money = wire("SumTax120")
    sum_tax122: Money = wire("SumTax122")
    sum_tax18: Money = wire("SumTax18")
    sum_tax118: Money = wire("SumTax118")
    pay_by_processing: Bool = wire("PayByProcessing")
    num_device_by_processing: Int = wire("NumDeviceByProcessing")
    receipt_number: Text = wire("ReceiptNumber")
    print_slip_after_check: Bool = wire("PrintSlipAfterCheck")
    print_slip_for_cashier: Bool = wire("PrintSlipForCashier")
    rrn_code: Text = wire("RRNCode")
    authorization_code: Text = wire("AuthorizationCode")
    universal_id: Text = wire("UniversalID")

    def sum_tax(self) -> list[tuple[str, int, Decimal | None]]:
        """The old-style correction totals as (wire name, ``Tax`` value, amount), §6.3.8 order."""
        return [(wire_name, tax, getattr(self, name)) for name, wire_name, tax in SUM_TAX_FIELDS]

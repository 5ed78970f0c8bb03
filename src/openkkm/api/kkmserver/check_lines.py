"""Step 7 of ``RegisterCheck`` (``API.md`` §6.3.3, §6.3.4, §6.3.8, §6.3.9): one ``Register`` to items."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from openkkm.api.kkmserver.check_common import (
    Notice,
    blank,
    fail,
    kopecks,
    notice,
    phones,
    show,
    whole,
)
from openkkm.api.kkmserver.check_schema import (
    AgentDataData,
    GoodCodeDataData,
    PurveyorDataData,
    RegisterData,
)
from openkkm.errors import Loc
from openkkm.fiscal import rules
from openkkm.fiscal.inn import is_valid_inn
from openkkm.fiscal.money import (
    MoneyError,
    check_quantity,
    format_rubles,
    round_kopecks,
)
from openkkm.fiscal.split import line_sum, split_line
from openkkm.fiscal.taxes import SUCCESSOR, VAT_LABEL
from openkkm.fiscal.types import (
    AgentData,
    AgentRole,
    FfdVersion,
    Item,
    Measure,
    PaymentMethod,
    PaymentObject,
    PrintText,
    ReceiptKind,
    Registration,
    SupplierData,
    VatRate,
)

MAX_NAME = 128

#: ``Tax`` values and their 1199 codes (``API.md`` §6.3.8).
TAX_CODES: dict[int, VatRate] = {
    -1: VatRate.NONE, 0: VatRate.VAT0, 5: VatRate.VAT5, 7: VatRate.VAT7, 10: VatRate.VAT10,
    20: VatRate.VAT20, 22: VatRate.VAT22, 105: VatRate.VAT5_105, 107: VatRate.VAT7_107,
    110: VatRate.VAT10_110, 120: VatRate.VAT20_120, 122: VatRate.VAT22_122,
}
#: Legacy 18 % values, mapped to the 20 % codes (``API.md`` §9c).
LEGACY_TAX: dict[int, VatRate] = {18: VatRate.VAT20, 118: VatRate.VAT20_120}
TAX_OF_RATE: dict[VatRate, int] = {rate: tax for tax, rate in TAX_CODES.items()}


@dataclass(frozen=True, slots=True)
class LineContext:
    """What a line's rules depend on: receipt kind, date, registration, VAT strictness."""

    kind: ReceiptKind
    correction: bool
    today: dt.date
    registration: Registration
    strict_vat: bool


@dataclass(frozen=True, slots=True)
class Line:
    """A converted ``Register``: its items (one or two after the split) and what to print after."""

    items: tuple[Item, ...]
    discount: PrintText | None = None
    egais: bool = False


def vat_rate(tax: int | None, method: PaymentMethod, ctx: LineContext, loc: Loc,
             notices: list[Notice]) -> VatRate:
    """The 1199 code of a ``Tax`` value, with the legacy and 2026 warnings of §6.3.8 / §9c."""
    if tax is None or (tax not in TAX_CODES and tax not in LEGACY_TAX):
        allowed = ", ".join(str(t) for t in sorted(TAX_CODES))
        shown = "не указано" if tax is None else f"недопустимое значение {tax}"
        shown_en = "missing" if tax is None else f"invalid value {tax}"
        raise fail(loc, f"{shown}; допустимо {allowed}", f"{shown_en}; allowed {allowed}")
    rate = LEGACY_TAX.get(tax) or TAX_CODES[tax]
    rules.check_vat_date(rate, ctx.today, loc)
    outdated = rules.outdated_general_rate(rate, method, kind=ctx.kind,
                                           correction=ctx.correction, on=ctx.today)
    if tax in LEGACY_TAX or outdated:
        new = SUCCESSOR[rate]
        before = f"{tax} → {VAT_LABEL[rate]}" if tax in LEGACY_TAX else VAT_LABEL[rate]
        ru = f"{before}; с 01.01.2026 основная ставка {VAT_LABEL[new]} (Tax {TAX_OF_RATE[new]})"
        en = (f"{before}; since 2026-01-01 the general rate is {VAT_LABEL[new]} "
              f"(Tax {TAX_OF_RATE[new]})")
        if outdated and ctx.strict_vat:
            raise fail(loc, f"{ru}: ставка 20 % в 2026 году запрещена настройкой strict_vat",
                       f"{en}: the 20 % rate in 2026 is refused by the strict_vat setting")
        notices.append(notice(loc, ru, en))
    return rate


def _sign(value: int | None, enum: type[PaymentMethod | PaymentObject], default: int,
          marked: bool, loc: Loc, allowed: str, notices: list[Notice]) -> int:
    if value is None:
        if marked:
            raise fail(loc, "обязательно для маркированного товара (GoodCodeData)",
                       "required for marked goods (GoodCodeData)")
        notices.append(notice(loc, f"{{path}} = {default}", f"{{path}} = {default} (default)"))
        return default
    if value not in enum._value2member_map_:
        raise fail(loc, f"недопустимое значение {value}; допустимо {allowed}",
                   f"invalid value {value}; allowed {allowed}")
    return value


def agent_data(data: AgentDataData | None, loc: Loc) -> AgentData | None:
    """Tag 1223 from ``AgentData``: phones normalised, INN checked; all-empty -> None."""
    if data is None:
        return None
    inn = (data.money_transfer_operator_vatin or "").strip()
    if inn and not is_valid_inn(inn):
        raise fail(loc + ("MoneyTransferOperatorVATIN",), *_bad_inn(inn))

    def text(value: str | None) -> str | None:
        return None if blank(value) else (value or "").strip()

    result = AgentData(
        operation=text(data.paying_agent_operation),
        agent_phones=phones(data.paying_agent_phone),
        operator_phone=next(iter(phones(data.receive_payments_operator_phone)), None),
        transfer_operator_phones=phones(data.money_transfer_operator_phone),
        transfer_operator_name=text(data.money_transfer_operator_name),
        transfer_operator_address=text(data.money_transfer_operator_address),
        transfer_operator_inn=inn or None,
    )
    return None if result == AgentData() else result


def supplier(data: PurveyorDataData | None, loc: Loc) -> SupplierData | None:
    """Tags 1224/1226 from ``PurveyorData``: name and a valid INN required; all-empty -> None."""
    if data is None or all(blank(v) for v in (data.purveyor_name, data.purveyor_vatin,
                                              data.purveyor_phone)):
        return None
    inn = (data.purveyor_vatin or "").strip()
    if not inn:
        raise fail(loc + ("PurveyorVATIN",), "не указан ИНН поставщика", "the supplier INN is missing")
    if not is_valid_inn(inn):
        raise fail(loc + ("PurveyorVATIN",), *_bad_inn(inn))
    if blank(data.purveyor_name):
        raise fail(loc + ("PurveyorName",), "не указано наименование поставщика",
                   "the supplier name is missing")
    return SupplierData((data.purveyor_name or "").strip(), inn, phones(data.purveyor_phone))


def _bad_inn(inn: str) -> tuple[str, str]:
    return (f"недействительный ИНН '{inn}': нужно 10 или 12 цифр с верным контрольным числом",
            f"invalid INN '{inn}': 10 or 12 digits with a valid check digit expected")


def agent_role(value: int | None, loc: Loc) -> AgentRole | None:
    """``AgentSign`` 0–6 as an agent role (bit index), or None."""
    if value is None:
        return None
    if value not in AgentRole._value2member_map_:
        raise fail(loc, f"недопустимое значение {value}; допустимо 0–6",
                   f"invalid value {value}; allowed 0–6")
    return AgentRole(value)


def _quantity(reg: RegisterData, loc: Loc) -> Decimal:
    if reg.quantity is None:
        raise fail(loc, "не указано количество", "the quantity is missing")
    try:
        return check_quantity(reg.quantity)
    except MoneyError as exc:
        raise fail(loc, exc.ru, exc.en) from exc


def _marking(reg: RegisterData, code: GoodCodeDataData, quantity: Decimal,
             measure: Measure | None, ctx: LineContext, loc: Loc) -> None:
    ffd = ctx.registration.ffd
    if ffd < FfdVersion.V1_2:
        raise fail(loc + ("GoodCodeData",),
                   f"маркированный товар передается только в ФФД 1.2; ККТ работает по ФФД {ffd.label}",
                   f"marked goods need FFD 1.2; the register uses FFD {ffd.label}")
    if not blank(code.marking_code_base64):
        try:
            base64.b64decode((code.marking_code_base64 or "").strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise fail(loc + ("GoodCodeData", "MarkingCodeBase64"), "код не декодируется из base64",
                       "the code is not valid base64") from exc
    if code.contains_serial_number is False:
        return
    pack = reg.package_quantity
    if pack is not None:
        if pack <= 0:
            raise fail(loc + ("PackageQuantity",), f"должно быть больше нуля (передано {pack})",
                       f"must be greater than zero (got {pack})")
        if measure not in (None, Measure.PIECE):
            raise fail(loc + ("MeasureOfQuantity",), "при продаже из упаковки должно быть 0 (штуки)",
                       "must be 0 (pieces) when selling from a pack")
        if quantity != quantity.to_integral_value() or not 1 <= quantity <= pack:
            raise fail(loc + ("Quantity",), f"из упаковки продается целое количество от 1 до {pack}",
                       f"a whole quantity from 1 to {pack} is sold from a pack")
    elif quantity != 1:
        raise fail(loc + ("Quantity",),
                   f"для товара с кодом маркировки количество должно быть 1 (передано {show(quantity)})",
                   f"a marked item with a serial code has quantity 1 (got {show(quantity)})")


def _marking_code(code: GoodCodeDataData | None) -> str | None:
    """The code as scanned: ``BarCode``, else ``MarkingCodeBase64`` decoded (checked before)."""
    if code is None:
        return None
    if not blank(code.bar_code):
        return code.bar_code
    if not blank(code.marking_code_base64):
        return base64.b64decode((code.marking_code_base64 or "").strip()).decode("latin-1")
    return None


def _measure(reg: RegisterData, quantity: Decimal, ctx: LineContext, loc: Loc,
             notices: list[Notice]) -> Measure | None:
    if ctx.registration.ffd < FfdVersion.V1_2:
        if reg.measure_of_quantity is not None:
            notices.append(notice(loc, f"игнорируется (ФФД {ctx.registration.ffd.label})",
                                  f"ignored (FFD {ctx.registration.ffd.label})"))
        return None
    if reg.measure_of_quantity is None:
        return Measure.PIECE if quantity == quantity.to_integral_value() else Measure.OTHER
    if reg.measure_of_quantity not in Measure._value2member_map_:
        allowed = ", ".join(str(int(m)) for m in Measure)
        raise fail(loc, f"недопустимое значение {reg.measure_of_quantity}; допустимо {allowed}",
                   f"invalid value {reg.measure_of_quantity}; allowed {allowed}")
    return Measure(reg.measure_of_quantity)


def _short(value: str | None, limit: int, loc: Loc) -> str | None:
    if blank(value):
        return None
    text = (value or "").strip()
    if len(text) > limit:
        raise fail(loc, f"длиннее {limit} символов", f"longer than {limit} characters")
    return text


def convert_line(reg: RegisterData, loc: Loc, ctx: LineContext, notices: list[Notice]) -> Line:
    """Validate a ``Register`` in the order of §6.3.10 step 7 and split it into items."""
    code = reg.good_code_data if reg.good_code_data and not reg.good_code_data.is_empty else None
    marked = code is not None
    # The method is read first, silently: the name rule and the 2026 VAT warning depend on it,
    # while its own default warning follows the Tax one (the order of the §6.3.12 sample).
    method_value = _sign(reg.sign_method_calculation, PaymentMethod, 4, marked,
                         loc + ("SignMethodCalculation",), "1–7", [])
    name = (reg.name or "").strip()
    if not name and method_value != PaymentMethod.ADVANCE:
        raise fail(loc + ("Name",), "не указано наименование товара", "the item name is missing")
    if len(name) > MAX_NAME:
        notices.append(notice(loc + ("Name",), f"длиннее {MAX_NAME} символов, обрезано",
                              f"longer than {MAX_NAME} characters, cut"))
        name = name[:MAX_NAME]
    quantity = _quantity(reg, loc + ("Quantity",))
    if reg.price is None and reg.amount is None:
        raise fail(loc + ("Amount",), "не указаны цена и сумма строки",
                   "neither the price nor the line amount is given")
    amount = kopecks(reg.amount, loc + ("Amount",)) if reg.amount is not None else None
    price = kopecks(reg.price, loc + ("Price",)) if reg.price is not None else None
    if price is None:
        price = round_kopecks((amount or 0) / quantity)
    if amount is None:
        amount = line_sum(price, quantity)
    vat = vat_rate(whole(reg.tax, loc + ("Tax",)), PaymentMethod(method_value), ctx,
                   loc + ("Tax",), notices)
    method = PaymentMethod(_sign(reg.sign_method_calculation, PaymentMethod, 4, marked,
                                 loc + ("SignMethodCalculation",), "1–7", notices))
    subject = PaymentObject(_sign(reg.sign_calculation_object, PaymentObject, 1, marked,
                                  loc + ("SignCalculationObject",), "1–27, 30–33", notices))
    rules.check_subject(subject, ctx.registration, loc + ("SignCalculationObject",))
    measure = _measure(reg, quantity, ctx, loc + ("MeasureOfQuantity",), notices)
    if code is not None:
        _marking(reg, code, quantity, measure, ctx, loc)
    department = reg.department or 0
    if department < 0:
        raise fail(loc + ("Department",), f"недопустимое значение {department}",
                   f"invalid value {department}")
    ean13 = _short(reg.ean13, 13, loc + ("EAN13",))
    country = _short(reg.country_of_origin, 3, loc + ("CountryOfOrigin",))
    if country is not None and not (country.isdigit() and len(country) == 3):
        raise fail(loc + ("CountryOfOrigin",), "код страны — три цифры (ОКСМ)",
                   "the country code is three digits (OKSM)")
    role = agent_role(reg.agent_sign, loc + ("AgentSign",))
    purveyor = supplier(reg.purveyor_data, loc + ("PurveyorData",))
    if role is not None and purveyor is None:
        raise fail(loc + ("PurveyorData", "PurveyorVATIN"), "обязательно при AgentSign",
                   "required with AgentSign")
    base = Item(
        name=name, price=price, quantity=quantity, amount=amount, vat=vat, method=method,
        subject=subject, measure=measure,
        measure_unit=None if ctx.registration.ffd >= FfdVersion.V1_2
        else _short(reg.measurement_unit, 16, loc + ("MeasurementUnit",)),
        department=department, ean13=ean13, agent_role=role,
        agent_data=agent_data(reg.agent_data, loc + ("AgentData",)), supplier=purveyor,
        attribute=_short(reg.additional_attribute, 64, loc + ("AdditionalAttribute",)),
        country_code=country,
        customs_declaration=_short(reg.customs_declaration, 32, loc + ("CustomsDeclaration",)),
        excise=kopecks(reg.excise_amount, loc + ("ExciseAmount",))
        if reg.excise_amount is not None else None,
        marking_code=_marking_code(code), marking_accept_on_bad=code is None
        or code.accept_on_bad is not False,
    )
    split = split_line(price, quantity, amount)
    items = tuple(base if (part.price, part.quantity, part.amount) == (price, quantity, amount)
                  else replace(base, price=part.price, quantity=part.quantity,
                               amount=part.amount, excise=base.excise if n == 0 else None)
                  for n, part in enumerate(split.parts))
    discount = None
    if split.adjustment:
        word = "Скидка" if split.adjustment > 0 else "Наценка"
        discount = PrintText(f"{word}: {format_rubles(abs(split.adjustment))}")
    egais = reg.egais is not None and not all(
        v is None or v == "" for v in (reg.egais.barcode, reg.egais.ean, reg.egais.volume))
    return Line(items, discount, egais)

"""Refusals of the simulated ФН: the ФН's own error code plus a precise reason with ru/en texts.

A real ФН answers only a coarse code (0x02 «другое состояние ФН» covers "shift closed", "receipt
open" and more); the register's firmware then reports its own, finer code. The simulated ФН keeps
both: ``FnCode`` is what a ФН would say (``PROTOCOLS.md`` §1.9, codes below 0x20), ``Refusal``
is the reason, so each protocol front can map it onto its vendor's code (Shtrih 0x3D, ATOL 136...).
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple


class FnCode(IntEnum):
    """ФН error codes as the ФН interface defines them (Shtrih reports them unchanged)."""

    UNKNOWN_COMMAND = 0x01
    WRONG_STATE = 0x02
    EXPIRED = 0x05
    ARCHIVE_FULL = 0x06
    WRONG_DATETIME = 0x07
    NO_DATA = 0x08
    BAD_PARAMETERS = 0x09
    TLV_TOO_LARGE = 0x10
    STORAGE_FULL = 0x14
    OFD_WAIT_EXCEEDED = 0x15
    SHIFT_OVER_24H = 0x16


class Refusal(IntEnum):
    """Why the simulated ФН refused an operation."""

    FN_CLOSED = 2
    SHIFT_CLOSED = 3
    SHIFT_ALREADY_OPEN = 4
    SHIFT_EXPIRED = 5
    RECEIPT_OPEN = 6
    NO_RECEIPT_OPEN = 7
    CLOCK_BACKWARDS = 8
    KEY_EXPIRED = 9
    ARCHIVE_FULL = 10
    OFD_BLOCKED = 11
    NO_DOCUMENT = 13
    PAYMENTS_SHORT = 14
    NON_CASH_EXCEEDS_TOTAL = 15
    LINE_AMOUNT_MISMATCH = 16
    TAX_SYSTEM_NOT_REGISTERED = 17
    VAT_NOT_IN_FORCE = 18
    ITEM_TOO_LARGE = 19
    RECEIPT_TOO_LARGE = 20
    NO_ITEMS = 21
    BAD_VALUE = 22
    EXCISE_NOT_REGISTERED = 23
    AGENT_NOT_REGISTERED = 24
    CORRECTION_KIND = 25
    OFD_QUEUE_NOT_EMPTY = 26
    BAD_QUANTITY = 27
    AGENT_WITHOUT_SUPPLIER = 28
    FFD_CHANGE_SEQUENCE = 29
    CASH_SHORT = 30
    MARKING_NEEDS_FFD_12 = 31
    MARKING_CODE_BAD = 32
    MARKING_CODE_REPEATED = 33
    FN_NOT_CLOSED = 34
    NOT_FISCALISED = 35
    ALREADY_FISCALISED = 36


class RefusalText(NamedTuple):
    """The ФН code a refusal carries and its texts; ``state`` tells a state problem from content."""

    code: FnCode
    state: bool
    ru: str
    en: str


REFUSALS: dict[Refusal, RefusalText] = {
    Refusal.FN_CLOSED: RefusalText(
        FnCode.WRONG_STATE, True, "Фискальный режим ФН закрыт: документы больше не формируются",
        "The fiscal drive is closed: it forms no more documents"),
    Refusal.SHIFT_CLOSED: RefusalText(
        FnCode.WRONG_STATE, True, "Смена не открыта: откройте смену",
        "The shift is not open: open a shift"),
    Refusal.SHIFT_ALREADY_OPEN: RefusalText(
        FnCode.WRONG_STATE, True, "Смена уже открыта: сначала закройте смену",
        "A shift is already open: close it first"),
    Refusal.SHIFT_EXPIRED: RefusalText(
        FnCode.SHIFT_OVER_24H, True, "Открытая смена превысила 24 часа: закройте смену",
        "The shift is over 24 hours: close the shift"),
    Refusal.RECEIPT_OPEN: RefusalText(
        FnCode.WRONG_STATE, True, "В ФН открыт чек: закройте или отмените его",
        "A receipt is open in the fiscal drive: close or cancel it"),
    Refusal.NO_RECEIPT_OPEN: RefusalText(
        FnCode.WRONG_STATE, True, "Чек не открыт", "No receipt is open"),
    Refusal.CLOCK_BACKWARDS: RefusalText(
        FnCode.WRONG_DATETIME, True,
        "Время ККТ раньше времени последнего документа в ФН: проверьте часы",
        "The register's clock is earlier than the last document in the fiscal drive: check it"),
    Refusal.KEY_EXPIRED: RefusalText(
        FnCode.EXPIRED, True, "Срок действия ключей ФН истек: замените ФН",
        "The fiscal drive's keys have expired: replace the fiscal drive"),
    Refusal.ARCHIVE_FULL: RefusalText(
        FnCode.ARCHIVE_FULL, True, "Архив ФН заполнен: замените ФН",
        "The fiscal drive's archive is full: replace the fiscal drive"),
    Refusal.OFD_BLOCKED: RefusalText(
        FnCode.OFD_WAIT_EXCEEDED, True,
        "ФН заблокирован: документы не переданы в ОФД более 30 дней",
        "The fiscal drive is blocked: documents not sent to the OFD for over 30 days"),
    Refusal.NO_DOCUMENT: RefusalText(
        FnCode.NO_DATA, False, "В ФН нет документа с таким номером",
        "The fiscal drive has no document with that number"),
    Refusal.PAYMENTS_SHORT: RefusalText(
        FnCode.BAD_PARAMETERS, False, "Сумма оплат меньше итога чека",
        "The payments are less than the receipt total"),
    Refusal.NON_CASH_EXCEEDS_TOTAL: RefusalText(
        FnCode.BAD_PARAMETERS, False,
        "Безналичные оплаты больше итога чека: сдача возможна только с наличных",
        "Non-cash payments exceed the receipt total: change comes only from cash"),
    Refusal.LINE_AMOUNT_MISMATCH: RefusalText(
        FnCode.BAD_PARAMETERS, False,
        "Стоимость предмета расчета отличается от цены × количество более чем на 1 копейку",
        "The line amount differs from price × quantity by more than 1 kopeck"),
    Refusal.TAX_SYSTEM_NOT_REGISTERED: RefusalText(
        FnCode.BAD_PARAMETERS, False,
        "Система налогообложения не указана при регистрации ККТ",
        "The tax system is not among those the register is registered for"),
    Refusal.VAT_NOT_IN_FORCE: RefusalText(
        FnCode.BAD_PARAMETERS, False, "Ставка НДС не действует на дату чека",
        "The VAT rate is not in force on the receipt date"),
    Refusal.ITEM_TOO_LARGE: RefusalText(
        FnCode.TLV_TOO_LARGE, False, "Предмет расчета больше 1024 байт",
        "An item is larger than 1024 bytes"),
    Refusal.RECEIPT_TOO_LARGE: RefusalText(
        FnCode.TLV_TOO_LARGE, False, "Чек больше 32768 байт",
        "The receipt is larger than 32768 bytes"),
    Refusal.NO_ITEMS: RefusalText(
        FnCode.BAD_PARAMETERS, False, "В чеке нет предметов расчета", "The receipt has no items"),
    Refusal.BAD_VALUE: RefusalText(
        FnCode.BAD_PARAMETERS, False, "Недопустимое значение реквизита",
        "A field has a value the fiscal drive does not accept"),
    Refusal.EXCISE_NOT_REGISTERED: RefusalText(
        FnCode.BAD_PARAMETERS, False,
        "ККТ не зарегистрирована для подакцизных товаров",
        "The register is not registered for excise goods"),
    Refusal.AGENT_NOT_REGISTERED: RefusalText(
        FnCode.BAD_PARAMETERS, False,
        "Признак агента не указан при регистрации ККТ",
        "The agent role is not among those the register is registered for"),
    Refusal.CORRECTION_KIND: RefusalText(
        FnCode.BAD_PARAMETERS, False,
        "Чек коррекции ФФД 1.05 допускает только приход и расход",
        "An FFD 1.05 correction receipt allows only sale and purchase"),
    Refusal.OFD_QUEUE_NOT_EMPTY: RefusalText(
        FnCode.WRONG_STATE, True, "В ФН есть документы, не переданные в ОФД",
        "The fiscal drive has documents not yet confirmed by the OFD"),
    Refusal.AGENT_WITHOUT_SUPPLIER: RefusalText(
        FnCode.BAD_PARAMETERS, False, "Для агентского предмета расчета нужен ИНН поставщика (1226)",
        "An agent item needs the supplier's INN (1226)"),
    Refusal.FFD_CHANGE_SEQUENCE: RefusalText(
        FnCode.WRONG_STATE, True,
        "Версию ФФД можно сменить только сразу после отчета о текущем состоянии расчетов "
        "без неотправленных документов",
        "The FFD version changes only right after a current-state report with no unsent "
        "documents"),
    Refusal.CASH_SHORT: RefusalText(
        FnCode.BAD_PARAMETERS, False, "Не хватает наличности в кассе",
        "There is not enough cash in the drawer"),
    Refusal.MARKING_NEEDS_FFD_12: RefusalText(
        FnCode.WRONG_STATE, False,
        "Проверка кода маркировки возможна только в ККТ с ФФД 1.2",
        "Marking codes are checked only by an FFD 1.2 register"),
    Refusal.MARKING_CODE_BAD: RefusalText(
        FnCode.BAD_PARAMETERS, False,
        "Код маркировки не прошел проверку ФН, а продажа с плохим кодом запрещена (AcceptOnBad)",
        "The marking code failed the ФН check and selling with a bad code is off (AcceptOnBad)"),
    Refusal.MARKING_CODE_REPEATED: RefusalText(
        FnCode.BAD_PARAMETERS, False, "Код маркировки повторяется в чеке",
        "The marking code is repeated in the receipt"),
    Refusal.FN_NOT_CLOSED: RefusalText(
        FnCode.WRONG_STATE, True,
        "ФН не закрыт: перед заменой ФН закройте его архив (KkmRegOfd, Command = Close)",
        "The fiscal drive is not closed: close its archive before replacing it"),
    Refusal.NOT_FISCALISED: RefusalText(
        FnCode.WRONG_STATE, True,
        "ККТ не зарегистрирована: ФН не фискализирован (KkmRegOfd, Command = Open или ChangeFN)",
        "The register is not registered: its fiscal drive is not fiscalised "
        "(KkmRegOfd, Command = Open or ChangeFN)"),
    Refusal.ALREADY_FISCALISED: RefusalText(
        FnCode.WRONG_STATE, True,
        "ФН уже фискализирован: для изменения данных регистрации выберите перерегистрацию "
        "(ChangeOFD, ChangeOrganization, ChangeKkm)",
        "The fiscal drive is already fiscalised: re-register to change the registration data "
        "(ChangeOFD, ChangeOrganization, ChangeKkm)"),
    Refusal.BAD_QUANTITY: RefusalText(
        FnCode.BAD_PARAMETERS, False, "Количество должно быть больше нуля",
        "The quantity must be greater than zero"),
}


class FnError(Exception):
    """The simulated ФН refused an operation; its state did not change."""

    def __init__(self, refusal: Refusal, detail: str = "") -> None:
        text = REFUSALS[refusal]
        self.refusal = refusal
        self.code = text.code
        self.state = text.state
        self.ru = f"{text.ru} ({detail})" if detail else text.ru
        self.en = f"{text.en} ({detail})" if detail else text.en
        super().__init__(self.en)

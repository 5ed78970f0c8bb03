"""The one table between fiscal domain types and Shtrih-M protocol values (PROTOCOLS.md §1.5–§1.8).

Receipt kinds become 0x8D receipt types and FF46 operation types, VAT rates and tax systems
become their FF46 / FF45 bytes, payments fill the 16 FF45 slots, and the FN's own document
types (FF0A) and the ECR mode (0x10) become document types and shift states.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from openkkm.errors import ValidationError
from openkkm.fiscal.types import (
    DocumentType,
    Payments,
    Receipt,
    ReceiptKind,
    ShiftState,
    TaxSystem,
    VatRate,
)
from openkkm.protocol.shtrih.status import Mode
from openkkm.protocol.shtrih.values import (
    PAYMENT_SLOTS,
    TAX_SYSTEM_BITS,
    VAT_CODES,
    OperationType,
    ReceiptType,
    TaxSystemBits,
    VatCode,
)

#: receipt kind (tag 1054) -> 0x8D receipt type of an ordinary receipt
RECEIPT_TYPES: Final[Mapping[ReceiptKind, ReceiptType]] = MappingProxyType(
    {
        ReceiptKind.SALE: ReceiptType.SALE,
        ReceiptKind.PURCHASE: ReceiptType.BUY,
        ReceiptKind.SALE_RETURN: ReceiptType.SALE_RETURN,
        ReceiptKind.PURCHASE_RETURN: ReceiptType.BUY_RETURN,
    }
)
#: receipt kind -> 0x8D receipt type of a correction receipt (FFD 1.1 / 1.2)
CORRECTION_TYPES: Final[Mapping[ReceiptKind, ReceiptType]] = MappingProxyType(
    {
        ReceiptKind.SALE: ReceiptType.CORRECTION_SALE,
        ReceiptKind.PURCHASE: ReceiptType.CORRECTION_BUY,
        ReceiptKind.SALE_RETURN: ReceiptType.CORRECTION_SALE_RETURN,
        ReceiptKind.PURCHASE_RETURN: ReceiptType.CORRECTION_BUY_RETURN,
    }
)
#: receipt kind -> FF46 operation type (both are tag 1054 values)
OPERATION_TYPES: Final[Mapping[ReceiptKind, OperationType]] = MappingProxyType(
    {kind: OperationType(int(kind)) for kind in ReceiptKind}
)

#: FF45 payment slot index of each domain payment kind (PROTOCOLS.md §1.6)
PAYMENT_SLOT: Final[Mapping[str, int]] = MappingProxyType(
    {"cash": 0, "electronic": 1, "prepayment": 13, "credit": 14, "provision": 15}
)

#: ECR mode (0x10 low nibble) -> shift state, for the modes that tell it
MODE_SHIFT: Final[Mapping[Mode, ShiftState]] = MappingProxyType(
    {
        Mode.SHIFT_OPEN: ShiftState.OPEN,
        Mode.SHIFT_EXPIRED: ShiftState.EXPIRED,
        Mode.SHIFT_CLOSED: ShiftState.CLOSED,
    }
)

#: FF0A document types that carry ``operation type u8 + sum u40`` after the fiscal sign
RECEIPT_DOCUMENTS: Final = frozenset(
    {
        DocumentType.RECEIPT,
        DocumentType.CORRECTION,
        DocumentType.BSO,
        DocumentType.BSO_CORRECTION,
    }
)
#: FF0A document types that carry the shift number u16 after the fiscal sign
SHIFT_DOCUMENTS: Final = frozenset({DocumentType.SHIFT_OPEN, DocumentType.SHIFT_CLOSE})

CASHIER_PRINT_FONT: Final = 1  #: Shtrih font used for domain font 0 (the normal one)
SHTRIH_FONTS: Final = 7  #: fonts 1…7 exist on most Shtrih models


def receipt_type(receipt: Receipt) -> ReceiptType:
    """Return the 0x8D type that opens ``receipt``."""
    table = CORRECTION_TYPES if receipt.correction else RECEIPT_TYPES
    return table[receipt.kind]


def vat_code(rate: VatRate) -> VatCode:
    """Return the FF46 VAT byte of ``rate``."""
    return VAT_CODES[rate]


def tax_system_bit(system: TaxSystem | None, registered: tuple[TaxSystem, ...]) -> TaxSystemBits:
    """Return the FF45 tax-system bit: the receipt's own, else the register's first."""
    if system is None:
        if not registered:
            return TaxSystemBits.OSN
        system = registered[0]
    if registered and system not in registered:
        names = ", ".join(str(int(s)) for s in registered)
        raise ValidationError(
            ("tax_system",),
            f"Система налогообложения {int(system)} не зарегистрирована в ККТ (есть: {names})",
            f"Tax system {int(system)} is not registered in the device (registered: {names})",
        )
    return TAX_SYSTEM_BITS[system]


def tax_systems_of(mask: int) -> tuple[TaxSystem, ...]:
    """Decode a tag-1062 style bit mask into tax systems."""
    return tuple(system for system in TaxSystem if mask & (1 << system.value))


def payment_slots(payments: Payments, change: int) -> tuple[int, ...]:
    """Return the 16 FF45 sums: tendered cash (change included) and the other kinds."""
    slots = [0] * PAYMENT_SLOTS
    for name, index in PAYMENT_SLOT.items():
        slots[index] = getattr(payments, name)
    slots[PAYMENT_SLOT["cash"]] += change
    return tuple(slots)


def document_type(code: int) -> DocumentType | None:
    """Return the domain document type of an FF0A type byte, or None for an unknown one."""
    try:
        return DocumentType(code)
    except ValueError:
        return None


def shift_state(mode: int, fn_shift_open: bool) -> ShiftState:
    """Tell the shift state from the ECR mode, falling back on the FN's shift flag."""
    try:
        state = MODE_SHIFT.get(Mode(mode))
    except ValueError:
        state = None
    if state is not None:
        return state
    return ShiftState.OPEN if fn_shift_open else ShiftState.CLOSED


def shtrih_font(font: int) -> int:
    """Map a domain font (0 normal … 4) to a Shtrih font number (1…7)."""
    return min(max(font, 0) + CASHIER_PRINT_FONT, SHTRIH_FONTS)

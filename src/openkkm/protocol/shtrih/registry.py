"""The table of typed Shtrih-M commands: request class by code, and request decoding.

The device side calls :func:`decode_request` on a received payload; the host side builds a
request object, sends ``request.encode()`` and decodes the answer with
:func:`~openkkm.protocol.shtrih.messages.decode_answer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from ...errors import NotSupportedError
from ...framing.shtrih import split_command
from . import (
    cmd_fn,
    cmd_graphics,
    cmd_marking,
    cmd_misc,
    cmd_receipt,
    cmd_registers,
    cmd_shift,
    cmd_status,
)
from .messages import Request

_ALL: Final[tuple[type[Request], ...]] = (
    cmd_status.ShortStatus,
    cmd_status.FullStatus,
    cmd_status.DeviceType,
    cmd_fn.FnStatus,
    cmd_fn.FnNumber,
    cmd_fn.FnExpiry,
    cmd_fn.FindDocument,
    cmd_fn.OfdExchangeStatus,
    cmd_fn.ReadDocumentStart,
    cmd_fn.ReadDocumentBlock,
    cmd_fn.UnconfirmedCount,
    cmd_fn.ShiftParams,
    cmd_receipt.OpenReceipt,
    cmd_receipt.OperationV2,
    cmd_receipt.WriteTlv,
    cmd_receipt.WriteOperationTlv,
    cmd_receipt.CloseReceiptExt,
    cmd_receipt.CancelReceipt,
    cmd_receipt.Sale,
    cmd_receipt.Buy,
    cmd_receipt.SaleReturn,
    cmd_receipt.BuyReturn,
    cmd_receipt.Storno,
    cmd_receipt.CloseReceipt,
    cmd_shift.OpenShift,
    cmd_shift.BeginOpenShift,
    cmd_shift.BeginCloseShift,
    cmd_shift.FnOpenShift,
    cmd_shift.FnCloseShift,
    cmd_shift.XReport,
    cmd_shift.ZReport,
    cmd_shift.CashIn,
    cmd_shift.CashOut,
    cmd_shift.OpenDrawer,
    cmd_shift.PrintString,
    cmd_shift.PrintStringFont,
    cmd_misc.Beep,
    cmd_misc.TechReset,
    cmd_misc.WriteTable,
    cmd_misc.ReadTable,
    cmd_misc.SetTime,
    cmd_misc.SetDate,
    cmd_misc.ConfirmDate,
    cmd_misc.Cut,
    cmd_misc.Feed,
    cmd_misc.Subtotal,
    cmd_misc.RepeatDocument,
    cmd_misc.ContinuePrint,
    cmd_misc.FnVersion,
    cmd_misc.FnCancelDocument,
    cmd_misc.SetExchange,
    cmd_misc.ReadExchange,
    cmd_misc.ReadErrorText,
    cmd_marking.CheckMarking,
    cmd_marking.BindMarking,
    cmd_marking.AcceptMarking,
    cmd_registers.ReadMoneyRegister,
    cmd_registers.ReadOperationRegister,
    cmd_registers.BeginStateReport,
    cmd_registers.StateReport,
    cmd_registers.BeginCloseFn,
    cmd_registers.CloseFn,
    cmd_graphics.LoadGraphics,
    cmd_graphics.PrintGraphics,
    cmd_graphics.PrintEan13,
    cmd_graphics.PrintGraphicsExt,
    cmd_graphics.LoadGraphicsExt,
    cmd_graphics.PrintGraphicsLine,
    cmd_registers.BeginRegistration,
    cmd_registers.Register,
    cmd_registers.Reregister,
)

#: command code -> request class
REQUESTS: Final[Mapping[int, type[Request]]] = MappingProxyType({cls.code: cls for cls in _ALL})


def decode_request(payload: bytes) -> Request:
    """Decode a received ``CMD DATA`` payload into its typed request.

    Raises :class:`NotSupportedError` for a code not in the table (the device answers 0x37) and
    :class:`~openkkm.errors.ProtocolError` for DATA of the wrong length (the device answers 0x33).
    """
    code, data = split_command(payload)
    cls = REQUESTS.get(code)
    if cls is None:
        raise NotSupportedError(
            f"Команда {code:#x} не поддерживается", f"Command {code:#x} is not supported"
        )
    return cls.decode_data(data)

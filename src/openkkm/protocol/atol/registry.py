"""The table of typed ATOL requests by command code, and request decoding for the device side."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from ...errors import NotSupportedError
from . import cmd_fn, cmd_receipt, cmd_register, cmd_state
from .messages import Request, split_message

_ALL: Final[tuple[type[Request], ...]] = (
    cmd_state.DeviceState, cmd_state.StateCode, cmd_state.DeviceType, cmd_state.EnterMode,
    cmd_state.LeaveMode, cmd_state.PrintString, cmd_state.PrintPictureLine, cmd_state.Cut,
    cmd_state.OpenDrawer,
    cmd_state.Beep, cmd_receipt.OpenShift, cmd_receipt.OpenReceipt, cmd_receipt.RegisterItem,
    cmd_receipt.WriteProps, cmd_receipt.Payment, cmd_receipt.CloseReceipt,
    cmd_receipt.CancelReceipt, cmd_receipt.CashBalance, cmd_receipt.CashIn, cmd_receipt.CashOut, cmd_receipt.Report,
    cmd_receipt.ZReport, cmd_fn.FnShift, cmd_fn.FnOfdState, cmd_fn.FnStatus,
    cmd_fn.FnFindDocument, cmd_fn.FnDocumentTlv, cmd_fn.FnCheckMarking,
    cmd_register.FnReregister, cmd_register.FnClose, cmd_register.FnRegister,
    cmd_register.FnChangeFn,
)

#: command code -> request class
REQUESTS: Final[Mapping[int, type[Request]]] = MappingProxyType({cls.code: cls for cls in _ALL})


def decode_request(message: bytes) -> tuple[int, Request]:
    """Decode ``password CMD PARAMS`` into ``(password, request)``.

    Raises :class:`NotSupportedError` for an unknown code (the device answers 242) and
    :class:`~openkkm.errors.ProtocolError` for malformed parameters (the device answers 19).
    """
    password, code, params = split_message(message)
    cls = REQUESTS.get(code)
    if cls is None:
        raise NotSupportedError(f"Команда {code:#x} не поддерживается",
                                f"Command {code:#x} is not supported")
    return password, cls.from_params(params)

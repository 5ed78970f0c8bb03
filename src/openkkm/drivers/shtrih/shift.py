"""Shift reports through a Shtrih register: FF41/FF42 + cashier tags + FF0B/FF43, else 0xE0/0x41.

The FN-era pair lets the cashier (1021/1203) go into the report and answers the FD number at
once; firmware without it (0x37 on FF41/FF42) gets the classic 0xE0 / 0x41, after which the
report is the FN's last document.
"""

from __future__ import annotations

import logging

from openkkm.errors import DeviceRejected, FiscalStateError, OpenKKMError
from openkkm.fiscal.types import Cashier
from openkkm.protocol.shtrih.cmd_fn import FnStatus, FnStatusAnswer
from openkkm.protocol.shtrih.cmd_misc import FnCancelDocument
from openkkm.protocol.shtrih.cmd_receipt import WriteTlv
from openkkm.protocol.shtrih.cmd_shift import (
    BeginCloseShift,
    BeginOpenShift,
    FnCloseShift,
    FnOpenShift,
    FnShiftAnswer,
    OpenShift,
    OpenShiftAnswer,
    ZReport,
)
from openkkm.protocol.shtrih.messages import EmptyAnswer, OperatorAnswer

from .documents import NOT_SUPPORTED
from .link import ShtrihLink, after_commit, forming
from .tags import cashier_tags, packed

log = logging.getLogger(__name__)


async def open_shift(link: ShtrihLink, cashier: Cashier | None) -> int:
    """Open the shift; return the FD number of the shift-open report."""
    return await _shift(link, cashier, opening=True)


async def close_shift(link: ShtrihLink, cashier: Cashier | None) -> int:
    """Close the shift (Z report); return the FD number of the shift-close report."""
    return await _shift(link, cashier, opening=False)


async def _shift(link: ShtrihLink, cashier: Cashier | None, *, opening: bool) -> int:
    """Run the FN-era sequence, or the classic command where the firmware lacks it."""
    tlvs = [WriteTlv(tlv=run) for run in packed(cashier_tags(cashier))]
    for request in tlvs:
        request.encode()  # a bad cashier name fails before anything is sent
    begin = BeginOpenShift() if opening else BeginCloseShift()
    try:
        await link.execute(begin, EmptyAnswer)
    except DeviceRejected as exc:
        if exc.vendor_code not in NOT_SUPPORTED:
            raise
        return await _classic(link, opening=opening)
    try:
        for request in tlvs:
            await link.execute(request, EmptyAnswer)
    except (DeviceRejected, FiscalStateError):
        await _cancel_fn_document(link)
        raise
    finish = FnOpenShift() if opening else FnCloseShift()
    try:
        answer = await forming(link, link.execute(finish, FnShiftAnswer))
    except (DeviceRejected, FiscalStateError):
        await _cancel_fn_document(link)
        raise
    return answer.fd_number


async def _classic(link: ShtrihLink, *, opening: bool) -> int:
    """0xE0 or 0x41, then the FN's last document number."""
    if opening:
        await forming(link, link.execute(OpenShift(), OpenShiftAnswer))
    else:
        await forming(link, link.execute(ZReport(), OperatorAnswer))
    status = await after_commit(link.execute(FnStatus(), FnStatusAnswer))
    return status.last_fd_number


async def _cancel_fn_document(link: ShtrihLink) -> None:
    """Cancel the report begun in the FN; a failure is logged (status shows it open)."""
    try:
        await link.execute(FnCancelDocument(), EmptyAnswer)
    except OpenKKMError as exc:
        log.warning("cannot cancel the FN document on %s: %s", link.url, exc.en)

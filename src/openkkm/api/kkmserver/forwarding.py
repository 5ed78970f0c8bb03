"""Commands for a ``remote`` device: passed whole to the other server, answered as ours.

The body keeps its IdCommand (a new one is given when the client sent none), so the remote's
own journal makes the command run once even when the answer is lost on the way back; the job
service then asks the remote ``GetRezult`` for that id (``jobs/forward.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from openkkm.api.envelope import dumps
from openkkm.api.kkmserver import device_commands as dc
from openkkm.api.kkmserver.commands import CommandClass, CommandSpec, accepts
from openkkm.errors import NotFoundError, ValidationError
from openkkm.jobs.devices import Selection
from openkkm.jobs.forward import REMOTE_KIND
from openkkm.jobs.operations import Forward

if TYPE_CHECKING:
    from openkkm.api.kkmserver.dispatch import Call, Dispatcher
    from openkkm.jobs.devices import DeviceHandle

_LOCAL = (CommandClass.SERVER, CommandClass.SERVER_KKT)
_REPLACED = ("idcommand", "numdevice", "iddevice")  #: ours; the remote gets its own


class Forwarding:
    """Finds the commands addressed to a remote device and forwards them."""

    def __init__(self, dispatcher: Dispatcher, digest: Callable[[Any], str]) -> None:
        self._dispatcher = dispatcher
        self._digest = digest

    def target(self, spec: CommandSpec, call: Call) -> DeviceHandle | None:
        """The remote device ``call`` names by ``NumDevice``, or None when it runs here."""
        if spec.kind in _LOCAL:
            return None
        try:
            num = dc.parse_model(dc.SelectionRequest, call.body).num_device or 0
        except ValidationError:
            return None  # the handler refuses the bad field (and journals the refusal)
        if not any(d.num == num and d.config.kind == REMOTE_KIND
                   for d in self._dispatcher.devices()):
            return None
        try:
            # The other selection fields are passed on: the remote knows its registers.
            return self._dispatcher.jobs.select(Selection(
                num_device=num, accepts=accepts(call.command), command=call.command))
        except NotFoundError:
            return None  # switched off: the handler refuses

    async def forward(self, call: Call, device: DeviceHandle) -> dict[str, Any]:
        """Journal the command here, pass it to the remote, answer with our device fields."""
        dispatcher = self._dispatcher
        wait, warnings = dispatcher.wait(call)
        body = {key: value for key, value in call.body.items() if key not in _REPLACED}
        body["idcommand"] = call.id_command
        body["numdevice"] = device.config.remote_num
        return await dispatcher.submit(call, device, Forward(dumps(body)), request=call.body,
                                       digest=self._digest(call.body), warnings=warnings,
                                       wait=wait)

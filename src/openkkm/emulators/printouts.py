"""What an emulated register printed as pictures, kept so that tests can rebuild and decode them.

Registers send a picture as rows of dots, eight to a byte; the bit order differs by vendor
(Shtrih keeps the leftmost dot in the low bit, ATOL in the high bit), so a printout says which.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from PIL import Image as PilImage


@dataclass(slots=True)
class Printout:
    """A printed picture (its rows of graphics bytes) or a native barcode (its symbology and value)."""

    kind: str  #: "GRAPHICS" or the symbology of a native barcode ("EAN13")
    value: str = ""
    rows: list[bytes] = field(default_factory=list)
    lsb_left: bool = False  #: the leftmost dot of a byte is its low bit

    def image(self) -> PilImage.Image:
        """The printed rows as a mode-"1" image (0 = black), rows padded to the widest."""
        width = max((len(row) for row in self.rows), default=1)
        height = max(1, len(self.rows))
        data = b"".join(row.ljust(width, b"\0") for row in self.rows).ljust(width * height, b"\0")
        # PIL's "1" is white on a set bit and reads the high bit first: "I" inverts, "R" reverses
        return PilImage.frombytes("1", (width * 8, height), data, "raw",
                                  "1;IR" if self.lsb_left else "1;I")


def add_rows(printouts: deque[Printout], rows: list[bytes], *, join: bool,
             lsb_left: bool = False) -> None:
    """Print ``rows`` onto the last printout when ``join`` (and there is one), else as a new
    picture: a register prints a picture sent row by row as one."""
    if not (join and printouts):
        printouts.append(Printout("GRAPHICS", lsb_left=lsb_left))
    printouts[-1].rows.extend(rows)

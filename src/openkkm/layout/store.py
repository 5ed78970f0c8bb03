"""A laid-out document as compact JSON, so the journal can keep it and previews outlive restarts."""

from __future__ import annotations

import base64
import json
from typing import Any

from openkkm.layout.document import (
    BarcodeBlock,
    Block,
    Cut,
    Document,
    ImageBlock,
    TextLine,
)
from openkkm.layout.text import Font

FORMAT = 1  #: bumped when the stored shape changes


def _dump(block: Block) -> list[Any]:
    if isinstance(block, TextLine):
        return ["t", block.text, int(block.font), block.intensity]
    if isinstance(block, BarcodeBlock):
        return ["b", block.kind, block.value]
    if isinstance(block, ImageBlock):
        return ["i", base64.b64encode(block.data).decode("ascii")]
    return ["c"]


def _load(item: list[Any]) -> Block:
    tag = item[0]
    if tag == "t":
        return TextLine(str(item[1]), Font(int(item[2])), int(item[3]))
    if tag == "b":
        return BarcodeBlock(str(item[1]), str(item[2]))
    if tag == "i":
        return ImageBlock(base64.b64decode(item[1]))
    if tag == "c":
        return Cut()
    raise ValueError(f"unknown block tag {tag!r}")


def dump_document(document: Document) -> str:
    """The document as one JSON text (UTF-8 friendly: Cyrillic is kept as is)."""
    data: dict[str, Any] = {"v": FORMAT, "w": document.line_length,
                            "b": [_dump(block) for block in document.blocks]}
    if document.page_height is not None:
        data["h"] = document.page_height
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def load_document(text: str) -> Document:
    """A document stored by :func:`dump_document`; ``ValueError`` if it is not one."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("v") != FORMAT:
        raise ValueError("not a stored document of this version")
    height = data.get("h")
    return Document(int(data["w"]), tuple(_load(item) for item in data["b"]),
                    None if height is None else int(height))

"""A laid-out document as a self-contained HTML page (``GET /preview/{IdCommand}.html``)."""

from __future__ import annotations

import base64
import io
from html import escape

from PIL import Image as PilImage

from openkkm.layout.document import Cut, Document, TextLine, split_pages
from openkkm.layout.raster import CELL, block_image, paper_width

_STYLE = (
    "body{background:#eee}.paper{background:#fff;margin:1em auto;padding:16px 0;"
    "font-family:'DejaVu Sans Mono',monospace;white-space:pre;color:#000}"
    ".paper .label{box-sizing:border-box;padding:16px 0;overflow:hidden;border-bottom:1px dashed #000}"
    ".paper p{margin:0;overflow:hidden}.paper .code{text-align:center;margin:12px 0}"
    ".paper hr{border:none;border-top:1px dashed #000;margin:12px 0}"
    ".f3{font-weight:bold}"
)


def _png_uri(image: PilImage.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def render_html(document: Document, *, title: str = "") -> str:
    """The document as HTML: text as monospace lines on the device's grid, codes as PNG images.

    On labels (``page_height``) each page is a box exactly as tall as the label.
    """
    width = paper_width(document.line_length)
    if document.page_height is None:
        body = _blocks(document, width)
    else:
        body = [f'<div class="label" style="height:{document.page_height}px">'
                + "".join(_blocks(page, width)) + "</div>" for page in split_pages(document)]
    return (
        f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><div class=\"paper\" style=\"width:{width}px\">"
        + "".join(body)
        + "</div></body></html>"
    )


def _blocks(document: Document, width: int) -> list[str]:
    body: list[str] = []
    for block in document.blocks:
        if isinstance(block, TextLine):
            cell_width, cell_height = CELL[block.font]
            body.append(
                f'<p class="f{int(block.font)}" style="font-size:{cell_height * 5 // 6}px;'
                f"height:{cell_height + 6}px;letter-spacing:0;width:{width}px;"
                f'transform:scaleX({cell_width / (cell_height * 5 / 6 * 0.602):.3f});'
                f'transform-origin:left">{escape(block.text) or "&nbsp;"}</p>'
            )
        elif isinstance(block, Cut):
            body.append("<hr>")
        else:
            image = block_image(block, width)
            assert image is not None
            body.append(f'<div class="code"><img alt="" src="{_png_uri(image)}"></div>')
    return body

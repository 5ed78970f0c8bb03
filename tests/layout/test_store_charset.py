"""Stored documents round-trip; text is fitted to a code page with what it lacks reported."""

from __future__ import annotations

import pytest

from openkkm.fiscal.types import Barcode, Image, PageEnd, PrintText
from openkkm.layout.charset import fit_charset, missing_warning
from openkkm.layout.document import layout_slip
from openkkm.layout.store import dump_document, load_document


def test_document_round_trips_through_json() -> None:
    document = layout_slip((PrintText("Чек <#0#> 1", 3, 15), Barcode("EAN8", "9638507"),
                            Image(b"\x89PNG\r\n\x1a\n\x00\xff"), PageEnd()), 32)
    text = dump_document(document)
    assert "Чек" in text
    assert load_document(text) == document


@pytest.mark.parametrize("text", ['{"v":99,"w":32,"b":[]}', '{"v":1,"w":32,"b":[["x"]]}', "[]"])
def test_foreign_json_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        load_document(text)


def test_fit_charset_uses_stand_ins_then_question_marks() -> None:
    assert fit_charset("Ёж «№1» — café ✓ é", "cp866") == ('Ёж "№1" - caf? ? ?', ["é", "✓"])
    assert fit_charset("Ёж «№1» ✓", "cp1251") == ("Ёж «№1» ?", ["✓"])
    assert fit_charset("Итог", "cp866") == ("Итог", [])


def test_missing_warning_names_the_characters() -> None:
    assert missing_warning(["é", "✓"], "cp866") == (
        "Символы «é», «✓» отсутствуют в кодовой странице CP866 и напечатаны как «?»",
        "Characters «é», «✓» are not in code page CP866 and were printed as '?'",
    )

"""Parsing scanned codes and wording the ФН's marking check result (``FISCAL.md`` §11)."""

from __future__ import annotations

import pytest

from openkkm.fiscal.marking import CodeType, describe, mark, parse

GS = "\x1d"


def test_gs1_code_with_crypto_tail() -> None:
    code = parse(f"]d20104601234567890215Abc1234567{GS}91EE10{GS}92dGVzdA==")
    assert code.type is CodeType.GS1 and code.parsed and code.checkable and code.marked
    assert code.gtin == "04601234567890" and code.serial == "5Abc1234567"
    assert code.representation == "(01)04601234567890(21)5Abc1234567(91)EE10(92)dGVzdA=="


def test_gs1_code_with_short_tail_and_weight() -> None:
    code = parse(f"0104601234567890215Abc{GS}3103000750{GS}93ab12")
    assert code.parsed and code.checkable
    assert code.ais == {"01": "04601234567890", "21": "5Abc", "3103": "000750", "93": "ab12"}


def test_lost_separators_are_refused() -> None:
    code = parse("0104601234567890215Abc123456791EE1092dGVzdA==")
    assert not code.parsed and code.type is CodeType.NOT_PARSED
    assert "разделитель GS" in code.errors[0]


@pytest.mark.parametrize(("text", "kind"), [
    ("46012345", CodeType.NOT_PARSED),  # bad check digit
    ("96385074", CodeType.EAN8), ("4601234567893", CodeType.EAN13),
    ("14601234567890", CodeType.ITF14), ("RU-430302-AAA1234567", CodeType.FUR),
    ("A" * 68, CodeType.EGAIS2), ("1" * 150, CodeType.EGAIS3), ("привет", CodeType.NOT_PARSED)])
def test_other_code_types(text: str, kind: CodeType) -> None:
    code = parse(text)
    assert code.type is kind
    assert not code.checkable


@pytest.mark.parametrize(("result", "shown"), [
    (0, "[М]"), (1, "[М-]"), (3, "[М]"), (5, "[М-]"), (7, "[М-]"), (15, "[М+]"), (16, "[М]"),
    (17, "[М-]"), (19, "[М]")])
def test_marks_follow_the_2106_table(result: int, shown: str) -> None:
    assert mark(result) == shown
    assert describe(result).startswith(shown + " ")


def test_descriptions_say_what_was_checked() -> None:
    assert describe(15) == ("[М+] Код маркировки проверен ФН, результат положительный; "
                            "статус товара корректен")
    assert describe(17).endswith("; проверка в автономном режиме")

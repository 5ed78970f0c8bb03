"""Text markers, font widths and wrapping on literal strings (``API.md`` §7.1–7.2)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openkkm.errors import ValidationError
from openkkm.layout.text import (
    _split,
    font_width,
    layout_line,
    layout_pair,
    layout_text,
    wrap,
)


def test_fill_markers_fill_the_font_width() -> None:
    assert layout_line("<<->>", 32) == ["-" * 32]
    assert layout_line("<<=>>", 16) == ["=" * 16]
    assert layout_line("<<_>>", 10) == [" " * 10]


def test_centre_marker_centres_each_wrapped_piece() -> None:
    assert layout_line('>#2#<ООО "Рога и копыта"', 32) == ['      ООО "Рога и копыта"']
    assert layout_line(">#10#<один два три четыре", 20) == ["      один два", "     три четыре"]


def test_split_marker_right_aligns_the_right_part() -> None:
    assert layout_line("Пример №1 печати поля:<#16#>154,41", 48) == [
        "Пример №1 печати поля:                    154,41"
    ]
    assert layout_line("Пример №1 печати поля:<#16#>154,41", 32) == [
        "Пример №1 печати",
        "поля:                     154,41",
    ]


def test_split_marker_puts_a_long_right_part_on_its_own_line() -> None:
    assert layout_line("Товар номер один<#2#>1234567890", 20) == [
        "Товар номер один",
        "          1234567890",
    ]


def test_right_aligned_left_part_keeps_the_gap() -> None:
    assert layout_line("<#1#>>ИТОГО: 154.00", 20) == ["       ИТОГО: 154.00"]
    assert layout_line("Итого:<#10#>>154.00", 24) == ["        Итого:    154.00"]


def test_no_break_space_is_never_a_wrap_point() -> None:
    assert wrap("ab СУММА‗ПО‗ЧЕКУ", 14) == ["ab", "СУММА ПО ЧЕКУ"]
    assert wrap("ab СУММА ПО ЧЕКУ", 14) == ["ab СУММА ПО", "ЧЕКУ"]


def test_unmarked_text_wraps_at_spaces_and_cuts_long_words() -> None:
    assert wrap("раз два три", 7) == ["раз два", "три"]
    assert wrap("абвгдежзий", 4) == ["абвг", "дежз", "ий"]
    assert wrap("", 10) == [""]


def test_each_newline_is_laid_out_separately() -> None:
    assert layout_text("<<->>\nа<#2#>б", 5) == ["-----", "а   б"]


@pytest.mark.parametrize(("font", "width"), [(0, 48), (1, 24), (2, 24), (3, 48), (4, 64)])
def test_font_widths_of_an_80mm_device(font: int, width: int) -> None:
    assert font_width(48, font) == width


def test_unknown_font_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        font_width(48, 5)
    assert caught.value.ru == "неизвестный шрифт 5; допустимо 0–4"


def test_a_pair_lays_out_as_its_marker_would_but_prints_markers_in_its_value_as_they_are() -> None:
    assert layout_pair("ИТОГ", "=123.00", 20) == layout_line("ИТОГ<#0#>=123.00", 20)
    assert layout_pair("ИТОГ", "", 20) == ["ИТОГ"]
    assert layout_pair("КАССИР", "Иванова <#3#> А.", 32) == [
        "КАССИР" + " " * 10 + "Иванова <#3#> А."]



@settings(max_examples=400)
@given(left=st.text(alphabet=" аб‗<#>1", max_size=30), right=st.text(alphabet=" вг‗=.9", max_size=30),
       width=st.integers(min_value=1, max_value=40))
def test_a_pair_that_fits_one_line_lays_out_as_the_general_split(left: str, right: str,
                                                                   width: int) -> None:
    """``layout_pair``'s one-line shortcut gives what the general ``_split`` gives."""
    assert layout_pair(left, right, width) == (_split(left, right, width, 0, False) if right
                                               else wrap(left, width))

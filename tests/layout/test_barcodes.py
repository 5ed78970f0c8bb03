"""Barcode checks and drawings, read back by zxing-cpp (an independent decoder)."""

from __future__ import annotations

import pytest
from barcode_samples import decoded

from openkkm.errors import ValidationError
from openkkm.layout.barcodes import barcode_image, checked_barcode, ean_check_digit

FISCAL_QR = "t=20261124T153700&s=1250.00&fn=7380440700123456&i=482&fp=3071182645&n=1"

#: (kind, value given, text zxing must read, zxing format name)
CASES = [
    ("EAN13", "400638133393", "4006381333931", "EAN13"),
    ("EAN13", "4006381333931", "4006381333931", "EAN13"),
    ("EAN8", "9638507", "96385074", "EAN8"),
    ("CODE39", "ABC-12 $/+%", "ABC-12 $/+%", "Code39"),
    ("CODE128", "Order#154/a-b", "Order#154/a-b", "Code128"),
    ("PDF417", "12345DFG Proba pera, Print barcode 1234567890",
     "12345DFG Proba pera, Print barcode 1234567890", "PDF417"),
    ("PDF417", "Заказ №154", "Заказ №154", "PDF417"),
    ("QR", FISCAL_QR, FISCAL_QR, "QRCode"),
    ("QR", "Привет, мир", "Привет, мир", "QRCode"),
]


@pytest.mark.parametrize("width", [384, 576])
@pytest.mark.parametrize(("kind", "value", "text", "fmt"), CASES)
def test_every_symbology_decodes(kind: str, value: str, text: str, fmt: str, width: int) -> None:
    image = barcode_image(kind, value, max_width=width)
    assert image.mode == "1"
    assert image.width <= width
    assert decoded(image) == [(fmt, text)]


def test_ean_check_digit() -> None:
    assert ean_check_digit("400638133393") == 1
    assert ean_check_digit("9638507") == 4


def test_kind_is_case_insensitive_and_ean_is_completed() -> None:
    assert checked_barcode("ean13", "125478954785") == ("EAN13", "1254789547853")


@pytest.mark.parametrize(
    ("kind", "value", "ru"),
    [
        ("EAN13", "4006381333932", "Штрихкод EAN13 '4006381333932': неверная контрольная цифра, должна быть 1"),
        ("EAN13", "40063813339", "Штрихкод EAN13 '40063813339': нужно 12 или 13 цифр"),
        ("EAN8", "9638507A", "Штрихкод EAN8 '9638507A': нужно 7 или 8 цифр"),
        ("CODE39", "abc", "Штрихкод CODE39 'abc': допустимы цифры, заглавные латинские буквы, пробел и - . $ / + %"),
        ("CODE128", "Щ", "Штрихкод CODE128 'Щ': допустимы только символы ASCII"),
        ("QR", "", "Штрихкод QR '': пустое значение"),
        ("UPCA", "123", "Неизвестный тип штрихкода 'UPCA'; допустимы EAN13, EAN8, CODE39, CODE128, PDF417, QR"),
    ],
)
def test_bad_values_name_the_problem(kind: str, value: str, ru: str) -> None:
    with pytest.raises(ValidationError) as caught:
        checked_barcode(kind, value)
    assert caught.value.ru == ru


def test_data_too_long_for_the_symbology() -> None:
    with pytest.raises(ValidationError) as caught:
        barcode_image("QR", "9" * 8000, max_width=576)
    assert "слишком много данных для QR-кода" in caught.value.ru
    with pytest.raises(ValidationError) as caught:
        barcode_image("PDF417", "Ж" * 2000, max_width=576)
    assert "слишком много данных для PDF417" in caught.value.ru
    with pytest.raises(ValidationError) as caught:
        barcode_image("CODE128", "A1" * 60, max_width=384)
    assert "слишком длинный для ширины печати 384 точек" in caught.value.ru

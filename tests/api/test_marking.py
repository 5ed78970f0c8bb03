"""Marking-code commands end to end on the virtual register (``API.md`` §6.10)."""

from __future__ import annotations

import base64

from api import virtual_server
from api.virtual_server import Start, check
from openkkm.fiscal import tlv

start = virtual_server.start
GS = "\x1d"
SHOES = f"0104601234567890215Abc1234567{GS}91EE10{GS}92dGVzdA=="
NO_TAIL = "0104601234567890215Abc1234568"


async def test_validation_checks_each_code_through_the_fn(start: Start) -> None:
    server = await start()
    server.driver().reject_marking_code(NO_TAIL + f"{GS}93ab12")
    answer = await server.run("ValidationMarkingCode", TypeCheck=0, GoodCodeDatas=[
        {"Name": "Кроссовки", "BarCode": SHOES, "AcceptOnBad": False},
        {"Name": "Ботинки", "BarCode": NO_TAIL + f"{GS}93ab12"},
        {"Name": "Тапки", "BarCode": NO_TAIL}])
    assert answer["Status"] == 0, answer
    good, bad, unchecked = answer["MarkingCodeValidation"]
    assert list(good) == ["Name", "BarCode", "IndustryProps", "ValidationKKT", "ValidationPR"]
    assert good["Name"] == "Кроссовки" and good["BarCode"] == SHOES
    assert good["ValidationKKT"]["ValidationResult"] == 3
    assert good["ValidationKKT"]["DecryptionResult"].startswith(
        "[М] Код маркировки проверен ФН, результат положительный")
    assert bad["ValidationKKT"]["ValidationResult"] == 1
    assert bad["ValidationKKT"]["DecryptionResult"].startswith("[М-] ")
    assert unchecked["ValidationKKT"]["ValidationResult"] == 0
    assert good["ValidationPR"]["ValidationDisabled"] is True


async def test_validation_refused_on_an_ffd_105_register(start: Start) -> None:
    server = await start(ffd="1.05")
    answer = await server.run("ValidationMarkingCode", GoodCodeDatas=[{"BarCode": SHOES}])
    assert answer["Status"] == 2
    assert answer["Error"] == ("Поле GoodCodeDatas: коды маркировки проверяются только ККТ с "
                               "ФФД 1.2; ККТ 1 работает по ФФД 1.05")


async def test_validation_names_a_missing_code(start: Start) -> None:
    server = await start()
    answer = await server.run("ValidationMarkingCode", GoodCodeDatas=[
        {"BarCode": SHOES}, {"Name": "Без кода"}])
    assert answer["Status"] == 2
    assert answer["Error"].startswith("Поле GoodCodeDatas[1].BarCode: не указан код маркировки")
    empty = await server.run("ValidationMarkingCode", GoodCodeDatas=[])
    assert empty["Error"] == "Поле GoodCodeDatas: нет кодов для проверки"


async def test_base64_codes_are_accepted(start: Start) -> None:
    server = await start()
    encoded = base64.b64encode(SHOES.encode("ascii")).decode("ascii")
    answer = await server.run("ValidationMarkingCode", GoodCodeDatas=[
        {"Name": "Кроссовки", "MarkingCodeBase64": encoded}])
    assert answer["MarkingCodeValidation"][0]["ValidationKKT"]["ValidationResult"] == 3
    assert answer["MarkingCodeValidation"][0]["BarCode"] == encoded


async def test_get_good_code_data_parses_and_checks(start: Start) -> None:
    server = await start()
    answer = await server.run("GetGoodCodeData", BarCode=SHOES)
    assert answer["Status"] == 0, answer
    data = answer["DataProductCode"]
    assert data["isParsed"] is True and data["ProductCodeType"] == "GS1"
    assert data["RepresentationBarCode"] == (
        "(01)04601234567890(21)5Abc1234567(91)EE10(92)dGVzdA==")
    assert data["GTIN"] == "04601234567890" and data["EAN"] == "4601234567890"
    assert data["SerialNumber"] == "5Abc1234567" and data["ContainsSerialNumber"] is True
    assert data["DataBarCode"] == {"01": "04601234567890", "21": "5Abc1234567", "91": "EE10",
                                   "92": "dGVzdA=="}
    assert data["КktValidationResult"] == data["KktValidationResult"] == 3
    assert data["ValidationKKT"]["ValidationResult"] == 3
    assert data["ValidationPR"]["ValidationDisabled"] is True


async def test_get_good_code_data_of_plain_and_broken_codes(start: Start) -> None:
    server = await start()
    ean = (await server.run("GetGoodCodeData", BarCode="4601234567893"))["DataProductCode"]
    assert (ean["ProductCodeType"], ean["isParsed"], ean["SerialNumber"]) == ("EAN13", True, "")
    assert ean["KktValidationResult"] == 0  # not a marking code: the ФН is not asked
    fur = (await server.run("GetGoodCodeData", BarCode="RU-430302-AAA1234567"))
    assert fur["DataProductCode"]["ProductCodeType"] == "Fur"
    lost = (await server.run("GetGoodCodeData",
                             BarCode="0104601234567890215Abc123456791EE1092dGVzdA=="))
    assert lost["DataProductCode"]["isParsed"] is False
    assert "разделитель GS" in lost["DataProductCode"]["Errors"]


async def test_get_good_code_data_finds_the_register_that_sells_marked_goods(
        start: Start) -> None:
    server = await start(ffd="1.05", more=({"num": 2, "kind": "virtual", "ffd": "1.2"},))
    answer = await server.run("GetGoodCodeData", NumDevice=0, BarCode=SHOES)
    assert answer["Status"] == 0, answer
    assert answer["NumDevice"] == 2 and answer["DataProductCode"]["KktValidationResult"] == 3


async def test_get_good_code_data_without_a_marking_register_warns(start: Start) -> None:
    server = await start(ffd="1.05")
    answer = await server.run("GetGoodCodeData", NumDevice=0, BarCode=SHOES)
    assert answer["Status"] == 0
    assert answer["Warning"] == "Нет ККТ с ФФД 1.2 для маркированных товаров: код не проверен ФН"
    assert answer["DataProductCode"]["isParsed"] is True
    assert answer["DataProductCode"]["KktValidationResult"] == 0


def marked(name: str, code: str, **extra: object) -> dict[str, object]:
    """A marked ``Register`` line of one piece at 1000 rubles."""
    return {"Register": {"Name": name, "Quantity": 1, "Price": 1000, "Amount": 1000, "Tax": 22,
                         "SignMethodCalculation": 4, "SignCalculationObject": 33,
                         "MeasureOfQuantity": 0,
                         "GoodCodeData": {"BarCode": code, **extra}}}


async def item_tags(server: virtual_server.Server, number: int) -> list[dict[int, bytes]]:
    """The tags of each item (1059) of FD ``number``, read back from the ФН."""
    found = await server.driver().read_document_tlv(number)
    assert found is not None
    [(_form, body)] = tlv.iter_tlv(found[1])
    return [dict(tlv.iter_tlv(value)) for tag, value in tlv.iter_tlv(body) if tag == 1059]


async def test_a_marked_sale_carries_the_code_and_the_fn_check(start: Start) -> None:
    server = await start()
    answer = await server.run("RegisterCheck", **check([marked("Кроссовки", SHOES)],
                                                       electronic="1000"))
    assert answer["Status"] == 0, answer
    [validation] = answer["MarkingCodeValidation"]
    assert list(validation) == ["Name", "BarCode", "IndustryProps", "ValidationKKT",
                                "ValidationPR"]
    assert validation["ValidationKKT"]["ValidationResult"] == 3
    assert validation["ValidationPR"] == {"ValidationDisabled": True}
    [tags] = await item_tags(server, answer["CheckNumber"])
    assert tags[2106] == bytes([3])
    assert dict(tlv.iter_tlv(tags[1163])) == {1305: b"010460123456789021" + b"5Abc1234567"}


async def test_a_bad_code_refuses_the_receipt_when_not_accepted(start: Start) -> None:
    server = await start()
    server.driver().reject_marking_code(SHOES)
    last = (await server.run("GetDataKKT"))["CheckNumber"]
    refused = await server.run("RegisterCheck", **check(
        [marked("Кроссовки", SHOES, AcceptOnBad=False)], electronic="1000"))
    assert refused["Status"] == 2
    assert "Код маркировки не прошел проверку ФН" in refused["Error"]
    status = await server.driver().status()
    assert not status.receipt_open
    assert (await server.run("GetDataKKT"))["CheckNumber"] == last + 1  # the shift report only
    accepted = await server.run("RegisterCheck", **check([marked("Кроссовки", SHOES)],
                                                         electronic="1000"))
    assert accepted["Status"] == 0, accepted
    kkt = accepted["MarkingCodeValidation"][0]["ValidationKKT"]
    assert kkt["ValidationResult"] == 1 and kkt["DecryptionResult"].startswith("[М-] ")
    [tags] = await item_tags(server, accepted["CheckNumber"])
    assert tags[2106] == bytes([1])


async def test_a_code_twice_in_one_receipt_is_refused(start: Start) -> None:
    server = await start()
    refused = await server.run("RegisterCheck", **check(
        [marked("Кроссовки", SHOES), marked("Кроссовки", SHOES)], electronic="2000"))
    assert refused["Status"] == 2 and "Код маркировки повторяется в чеке" in refused["Error"]
    assert not (await server.driver().status()).receipt_open


async def test_marking_data_on_an_ffd_105_register_names_the_field(start: Start) -> None:
    server = await start(ffd="1.05")
    line = marked("Кроссовки", SHOES)
    line["Register"]["SignCalculationObject"] = 1  # type: ignore[index]
    refused = await server.run("RegisterCheck", **check([line], electronic="1000"))
    assert refused["Status"] == 2
    assert refused["Error"].startswith("Поле CheckStrings[0].Register.GoodCodeData: ")
    assert "ФФД 1.05" in refused["Error"]

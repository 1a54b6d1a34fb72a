"""Resident ID numbers: the GB 11643 check digit decides, and nothing but a ValidationError escapes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric

from lianxin.members.services import id_number_clean, id_number_facts, phone_clean

# Districts whose code has been valid since before 1930, so any birth date below is accepted.
REGIONS = ["110105", "110101", "310104"]
CHECK_CHARACTERS = "0123456789X"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@st.composite
def id_bodies(draw) -> str:
    """The first 17 digits: region, birth date, sequence number."""
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2015, 12, 31)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    return f"{region}{born:%Y%m%d}{sequence:03d}"


def check_digit(body: str) -> str:
    return ric.calc_check_digit(body + "0")  # stdnum expects a placeholder in the check position


@given(id_bodies())
def test_a_number_with_its_computed_check_digit_is_accepted(body):
    number = body + check_digit(body)

    assert id_number_clean(number) == number
    assert id_number_clean(f" {number[:6]} {number[6:14]}-{number[14:].lower()} ") == number
    assert id_number_clean(number.translate(FULL_WIDTH)) == number


@given(id_bodies(), st.sampled_from(CHECK_CHARACTERS))
def test_any_other_check_digit_is_rejected_with_the_checksum_message(body, wrong):
    assume(wrong != check_digit(body))

    with pytest.raises(ValidationError) as caught:
        id_number_clean(body + wrong)

    assert caught.value.code == "id_checksum"
    assert caught.value.messages == ["身份证号校验位不正确。"]


@given(st.text(max_size=40))
def test_garbage_text_raises_nothing_but_a_validation_error(text):
    try:
        id_number_clean(text)
    except ValidationError as exc:
        assert exc.messages and all(message for message in exc.messages)


@given(st.from_regex(r"\A[0-9Xx\- ]{15,20}\Z"))
def test_near_misses_raise_nothing_but_a_validation_error(text):
    try:
        number = id_number_clean(text)
    except ValidationError:
        return
    assert len(number) == 18 and number == number.upper()


def test_birth_date_and_gender_are_read_from_the_number():
    body = "11010519850312001"
    born, gender = id_number_facts(body + check_digit(body))

    assert born == dt.date(1985, 3, 12)
    assert gender == "M"  # the 17th digit is odd


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1101051985031200", "id_length"),
        ("11010519851312001" + check_digit("11010519851312001"), "id_birth_date"),  # month 13
        ("99999919850312001" + check_digit("99999919850312001"), "id_region"),  # no such region
        ("1101051985031200A1", "id_format"),
    ],
)
def test_each_kind_of_bad_number_gets_its_own_message(value, code):
    with pytest.raises(ValidationError) as caught:
        id_number_clean(value)
    assert caught.value.code == code


@given(st.text(max_size=30))
def test_phone_garbage_raises_nothing_but_a_validation_error(text):
    try:
        phone = phone_clean(text)
    except ValidationError:
        return
    assert len(phone) == 11 and phone.startswith("1")


def test_card_of_a_worker_born_before_the_region_code_existed_is_accepted():
    # 130203 (Tangshan, Lubei district) dates from 1983; workers born in 1965 hold cards with it.
    body = "13020319650412003"
    number = body + ric.calc_check_digit(body + "0")
    assert id_number_clean(number) == number


def test_unknown_region_code_is_refused_with_its_own_message():
    body = "99999919850101001"
    number = body + ric.calc_check_digit(body + "0")
    with pytest.raises(ValidationError) as error:
        id_number_clean(number)
    assert error.value.code == "id_region"


def test_impossible_birth_date_is_refused_with_its_own_message():
    body = "13020319851332001"
    number = body + ric.calc_check_digit(body + "0")
    with pytest.raises(ValidationError) as error:
        id_number_clean(number)
    assert error.value.code == "id_birth_date"

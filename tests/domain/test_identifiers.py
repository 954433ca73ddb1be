"""统一社会信用代码 (GB 32100-2015) and 公民身份号码 (GB 11643-1999) checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.identifiers import (
    USCC_ALPHABET,
    InvalidCreditCode,
    InvalidIdNumber,
    is_valid_credit_code,
    is_valid_id_number,
    uscc_check_character,
    validate_credit_code,
    validate_id_number,
)

# Published examples: the code printed on GB 32100-2015 sample licences, and the GB 11643 example number.
KNOWN_CREDIT_CODES = ["91350100M000100Y43", "91110000802100433B", "12100000400010398P"]


@pytest.mark.parametrize("code", KNOWN_CREDIT_CODES)
def test_published_credit_codes_are_valid(code: str) -> None:
    assert validate_credit_code(code.lower()) == code


def test_wrong_check_character_is_refused_with_its_reason() -> None:
    with pytest.raises(InvalidCreditCode) as info:
        validate_credit_code("91350100M000100Y44")
    assert "校验位" in info.value.user_message


def test_forbidden_letters_are_named() -> None:
    with pytest.raises(InvalidCreditCode) as info:
        validate_credit_code("91350100M0001O0Y43")
    assert "O" in info.value.user_message


def test_wrong_length_is_named() -> None:
    with pytest.raises(InvalidCreditCode) as info:
        validate_credit_code("91350100M000100Y4")
    assert "17位" in info.value.user_message


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17), st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_every_single_substitution_is_caught(body: str, position: int, replacement: str) -> None:
    code = body + uscc_check_character(body)
    assert is_valid_credit_code(code)
    altered = code[:position] + replacement + code[position + 1 :]
    assert is_valid_credit_code(altered) == (altered == code)


def test_id_number_example_from_the_standard() -> None:
    assert validate_id_number("11010519491231002x") == "11010519491231002X"
    assert is_valid_id_number("110105194912310021") is False


def test_id_number_with_impossible_birth_date() -> None:
    with pytest.raises(InvalidIdNumber) as info:
        validate_id_number("110105194902310020")
    assert "出生日期" in info.value.user_message

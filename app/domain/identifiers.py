"""Checks for the identifiers that appear on certificates, cases and forms.

统一社会信用代码 (unified social credit code) per GB 32100-2015 and 公民身份号码 (citizen ID number) per GB 11643-1999.
"""

from __future__ import annotations

import datetime as dt
import functools

from app.domain.errors import DomainError

# GB 32100-2015 §4.2: the code uses digits and upper-case letters except I, O, Z, S, V (31 characters).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
# GB 32100-2015 §5: weight of position i (1-based) is 3^(i-1) mod 31.
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 11643-1999 §8.2: ISO 7064 MOD 11-2 over the first 17 digits.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class InvalidCreditCode(DomainError):
    user_message = "统一社会信用代码无效。"
    next_step = "请核对18位代码（不含字母 I、O、Z、S、V）。"


class InvalidIdNumber(DomainError):
    user_message = "公民身份号码无效。"
    next_step = "请核对18位身份号码。"


def uscc_check_character(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a 统一社会信用代码."""
    if len(first17) != 17 or any(ch not in _USCC_VALUE for ch in first17):
        raise InvalidCreditCode(f"bad USCC body {first17!r}")
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Return ``code`` normalised (upper case, trimmed) or raise ``InvalidCreditCode`` with the specific fault."""
    return _valid_credit_code(code) if isinstance(code, str) else _check_credit_code(code)


# Every record names its agency, and a received packet carries several records of the same few agencies: a valid
# code is remembered (a refusal is not, so it is raised each time with its fault).
@functools.lru_cache(maxsize=4096)
def _valid_credit_code(code: str) -> str:
    return _check_credit_code(code)


def _check_credit_code(code: str) -> str:
    normalised = code.strip().upper()
    if len(normalised) != 18:
        raise InvalidCreditCode(
            f"USCC length {len(normalised)}",
            user_message=f"统一社会信用代码应为18位，实际为{len(normalised)}位。",
        )
    bad = sorted({ch for ch in normalised if ch not in _USCC_VALUE})
    if bad:
        raise InvalidCreditCode(
            f"USCC has invalid characters {bad}",
            user_message=f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}。",
        )
    expected = uscc_check_character(normalised[:17])
    if normalised[17] != expected:
        raise InvalidCreditCode(
            "USCC check character mismatch",
            user_message="统一社会信用代码校验位不正确（第18位与前17位不符）。",
        )
    return normalised


def is_valid_credit_code(code: str) -> bool:
    try:
        validate_credit_code(code)
    except InvalidCreditCode:
        return False
    return True


def id_number_check_character(first17: str) -> str:
    """The 18th (check) character of a 公民身份号码 for its first 17 digits."""
    if len(first17) != 17 or not first17.isdigit() or not first17.isascii():
        raise InvalidIdNumber(f"bad ID body length {len(first17)}")
    total = sum(int(ch) * w for ch, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(number: str) -> str:
    """Return the 18-digit ID number normalised, or raise ``InvalidIdNumber`` with the specific fault."""
    normalised = number.strip().upper()
    if len(normalised) != 18:
        raise InvalidIdNumber(
            f"ID length {len(normalised)}", user_message=f"公民身份号码应为18位，实际为{len(normalised)}位。"
        )
    body, check = normalised[:17], normalised[17]
    if not (body.isascii() and body.isdigit()) or check not in "0123456789X":
        raise InvalidIdNumber("ID has non-digits", user_message="公民身份号码前17位应为数字，第18位为数字或X。")
    try:
        dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise InvalidIdNumber("ID birth date invalid", user_message="公民身份号码中的出生日期不存在。") from None
    if id_number_check_character(body) != check:
        raise InvalidIdNumber("ID check mismatch", user_message="公民身份号码校验位不正确（第18位与前17位不符）。")
    return normalised


def is_valid_id_number(number: str) -> bool:
    try:
        validate_id_number(number)
    except InvalidIdNumber:
        return False
    return True

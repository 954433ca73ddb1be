"""The printed recovery key: 256 random bits as 13 groups of 5 Crockford base32 characters.

Each group is 4 data characters and 1 check character. The check character is a linear code over GF(32) that
includes the group's position, so every single-character substitution, every swap of two adjacent data characters
and every group typed in the wrong place is caught and reported as a typo in a named group — never as a wrong key.
The 52 data characters carry 260 bits: the 256-bit key and a 4-bit checksum of the whole key, which catches most
multiple typos the group checks could miss.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from types import MappingProxyType

from app.crypto.keyslot_errors import RecoveryKeyTypo

RECOVERY_KEY_BYTES = 32
GROUP_COUNT = 13
DATA_PER_GROUP = 4
GROUP_LENGTH = DATA_PER_GROUP + 1
TEXT_LENGTH = GROUP_COUNT * GROUP_LENGTH

# Crockford's base32: no I, L, O or U, so that the usual misreadings map back to one symbol.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = MappingProxyType({symbol: value for value, symbol in enumerate(ALPHABET)})
_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = frozenset(" -_.\t\r\n")
_CHECKSUM_BITS = GROUP_COUNT * DATA_PER_GROUP * 5 - RECOVERY_KEY_BYTES * 8
_CHECKSUM_DOMAIN = b"lianjie recovery key checksum v1"
_GF32_MODULUS = 0b100101  # x^5 + x^2 + 1, primitive


def new_recovery_key() -> bytes:
    """Fresh random key material for a recovery slot."""
    return secrets.token_bytes(RECOVERY_KEY_BYTES)


def format_recovery_key(key: bytes) -> str:
    """The printable form: 13 groups of 5 characters joined by dashes."""
    if len(key) != RECOVERY_KEY_BYTES:
        raise ValueError("a recovery key is 32 bytes")
    number = (int.from_bytes(key, "big") << _CHECKSUM_BITS) | _checksum(key)
    digits = [(number >> (5 * shift)) & 31 for shift in reversed(range(GROUP_COUNT * DATA_PER_GROUP))]
    groups = []
    for index in range(GROUP_COUNT):
        data = digits[index * DATA_PER_GROUP : (index + 1) * DATA_PER_GROUP]
        groups.append("".join(ALPHABET[d] for d in data) + ALPHABET[_group_check(index, data)])
    return "-".join(groups)


def parse_recovery_key(text: str) -> bytes:
    """The key behind ``text``; tolerates spaces, dashes, lower case, full-width input and O/0, I/L/1.

    Raises ``RecoveryKeyTypo`` naming the group(s) at fault when the text cannot be a recovery key.
    """
    tokens = _tokens(text)
    compact = "".join(tokens)
    if len(compact) != TEXT_LENGTH:
        raise _length_typo(tokens, compact)
    groups = [compact[i : i + GROUP_LENGTH] for i in range(0, TEXT_LENGTH, GROUP_LENGTH)]
    bad_symbols = tuple(i + 1 for i, group in enumerate(groups) if any(c not in _VALUE for c in group))
    if bad_symbols:
        raise RecoveryKeyTypo(
            f"invalid characters in group(s) {bad_symbols}",
            groups=bad_symbols,
            user_message=f"恢复密钥{_group_names(bad_symbols)}含有恢复密钥中不会出现的字符。",
        )
    digits: list[int] = []
    failing: list[int] = []
    for index, group in enumerate(groups):
        values = [_VALUE[c] for c in group]
        if _group_check(index, values[:DATA_PER_GROUP]) != values[DATA_PER_GROUP]:
            failing.append(index + 1)
        digits.extend(values[:DATA_PER_GROUP])
    if failing:
        raise RecoveryKeyTypo(
            f"check character fails in group(s) {failing}",
            groups=tuple(failing),
            user_message=f"恢复密钥{_group_names(tuple(failing))}有输入错误。",
        )
    number = 0
    for digit in digits:
        number = (number << 5) | digit
    key = (number >> _CHECKSUM_BITS).to_bytes(RECOVERY_KEY_BYTES, "big")
    if number & ((1 << _CHECKSUM_BITS) - 1) != _checksum(key):
        raise RecoveryKeyTypo(
            "every group passes its check but the whole-key checksum fails",
            user_message="恢复密钥有多处输入错误。",
        )
    return key


def _tokens(text: str) -> list[str]:
    # NFKC folds full-width letters, digits and dashes typed through a Chinese input method.
    normal = unicodedata.normalize("NFKC", text).upper().translate(_CONFUSIONS)
    tokens: list[str] = []
    current: list[str] = []
    for char in normal:
        if char in _SEPARATORS or char.isspace() or unicodedata.category(char) == "Pd":
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens


def _length_typo(tokens: list[str], compact: str) -> RecoveryKeyTypo:
    if len(tokens) == GROUP_COUNT:
        # The operator kept the printed grouping: name the groups with a character too many or too few.
        wrong = tuple(i + 1 for i, token in enumerate(tokens) if len(token) != GROUP_LENGTH)
        return RecoveryKeyTypo(
            f"group(s) {wrong} have the wrong length",
            groups=wrong,
            user_message=f"恢复密钥{_group_names(wrong)}字符个数不对（每组应为 {GROUP_LENGTH} 个字符）。",
        )
    # Without the grouping, the first group that fails its check is where a dropped or doubled character begins.
    first_bad = next(
        (
            i + 1
            for i in range(min(len(compact), TEXT_LENGTH) // GROUP_LENGTH)
            if not _group_is_valid(i, compact[i * GROUP_LENGTH : (i + 1) * GROUP_LENGTH])
        ),
        None,
    )
    hint = f"，请从第 {first_bad} 组开始核对" if first_bad is not None else ""
    return RecoveryKeyTypo(
        f"recovery key has {len(compact)} characters, expected {TEXT_LENGTH}",
        groups=(first_bad,) if first_bad is not None else (),
        user_message=(
            f"恢复密钥长度不对：应为 {GROUP_COUNT} 组共 {TEXT_LENGTH} 个字符，实际输入了 {len(compact)} 个{hint}。"
        ),
    )


def _group_is_valid(index: int, group: str) -> bool:
    if len(group) != GROUP_LENGTH or any(c not in _VALUE for c in group):
        return False
    values = [_VALUE[c] for c in group]
    return _group_check(index, values[:DATA_PER_GROUP]) == values[DATA_PER_GROUP]


def _group_names(groups: tuple[int, ...]) -> str:
    return "第 " + "、".join(str(g) for g in groups) + " 组"


def _group_check(index: int, data: list[int]) -> int:
    # c = (index + 1) + sum(alpha^(i+1) * d_i) in GF(32): each data position has a distinct non-zero coefficient,
    # so one substitution always changes c, and the position term makes a group misplaced in the text fail.
    check = index + 1
    coefficient = 1
    for digit in data:
        coefficient = _gf32_mul(coefficient, 2)
        check ^= _gf32_mul(coefficient, digit)
    return check


def _gf32_mul(a: int, b: int) -> int:
    result = 0
    while b:
        if b & 1:
            result ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _GF32_MODULUS
    return result


def _checksum(key: bytes) -> int:
    digest = hashlib.sha256(_CHECKSUM_DOMAIN + key).digest()
    return digest[0] >> (8 - _CHECKSUM_BITS)

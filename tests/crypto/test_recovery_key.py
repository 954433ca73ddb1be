"""The printed recovery key: a typo is always caught and placed; loose typing is forgiven."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.crypto.keyslot_errors import RecoveryKeyTypo
from app.crypto.recovery_key import (
    ALPHABET,
    GROUP_COUNT,
    GROUP_LENGTH,
    format_recovery_key,
    new_recovery_key,
    parse_recovery_key,
)

keys = st.binary(min_size=32, max_size=32)


def _replace(text: str, position: int, char: str) -> str:
    return text[:position] + char + text[position + 1 :]


@given(keys)
def test_formatted_key_parses_back(key: bytes) -> None:
    text = format_recovery_key(key)

    groups = text.split("-")
    assert len(groups) == GROUP_COUNT
    assert all(len(group) == GROUP_LENGTH and set(group) <= set(ALPHABET) for group in groups)
    assert parse_recovery_key(text) == key


@given(keys, st.data())
def test_every_single_character_substitution_is_a_typo_in_its_group(key: bytes, data: st.DataObject) -> None:
    text = format_recovery_key(key)
    position = data.draw(st.sampled_from([i for i, c in enumerate(text) if c != "-"]))
    replacement = data.draw(st.sampled_from([c for c in ALPHABET if c != text[position]]))

    with pytest.raises(RecoveryKeyTypo) as typo:
        parse_recovery_key(_replace(text, position, replacement))

    assert typo.value.group == position // (GROUP_LENGTH + 1) + 1


def test_every_substitution_of_one_key_is_caught_exhaustively() -> None:
    text = format_recovery_key(new_recovery_key())
    for position, original in enumerate(text):
        if original == "-":
            continue
        for replacement in ALPHABET.replace(original, ""):
            with pytest.raises(RecoveryKeyTypo) as typo:
                parse_recovery_key(_replace(text, position, replacement))
            assert typo.value.group == position // (GROUP_LENGTH + 1) + 1


@given(keys, st.integers(min_value=0, max_value=GROUP_COUNT - 1), st.integers(min_value=0, max_value=2))
def test_swapped_neighbouring_data_characters_are_caught(key: bytes, group: int, offset: int) -> None:
    groups = format_recovery_key(key).split("-")
    chars = list(groups[group])
    if chars[offset] == chars[offset + 1]:
        return
    chars[offset], chars[offset + 1] = chars[offset + 1], chars[offset]
    groups[group] = "".join(chars)

    with pytest.raises(RecoveryKeyTypo) as typo:
        parse_recovery_key("-".join(groups))
    assert typo.value.group == group + 1


def test_groups_typed_in_the_wrong_order_are_caught_and_named() -> None:
    groups = format_recovery_key(new_recovery_key()).split("-")
    groups[3], groups[4] = groups[4], groups[3]

    with pytest.raises(RecoveryKeyTypo) as typo:
        parse_recovery_key("-".join(groups))

    assert typo.value.groups == (4, 5)
    assert "第 4、5 组" in typo.value.user_message


def test_loose_typing_is_forgiven() -> None:
    key = new_recovery_key()
    text = format_recovery_key(key)
    spaced = text.replace("-", " ")
    compact = text.replace("-", "")
    confusable = text.lower().replace("0", "o").replace("1", "i")
    full_width = "".join(chr(ord(c) + 0xFEE0) if c != "-" else "－" for c in text)

    for variant in (spaced, compact, confusable, full_width, f"\n  {text.lower()}  \n", confusable.replace("i", "L")):
        assert parse_recovery_key(variant) == key


def test_a_dropped_character_names_its_group_when_the_grouping_was_kept() -> None:
    groups = format_recovery_key(new_recovery_key()).split("-")
    groups[8] = groups[8][1:]

    with pytest.raises(RecoveryKeyTypo) as typo:
        parse_recovery_key(" ".join(groups))

    assert typo.value.group == 9
    assert "第 9 组" in typo.value.user_message


def test_a_dropped_character_without_grouping_points_to_where_it_starts() -> None:
    # A fixed key: with a random one the shifted group 6 passes its check character by chance once in 32 runs,
    # and the typo is then reported at a later group.
    text = format_recovery_key(bytes(range(32))).replace("-", "")
    shortened = text[:27] + text[28:]  # inside group 6

    with pytest.raises(RecoveryKeyTypo) as typo:
        parse_recovery_key(shortened)

    assert typo.value.group == 6
    assert "长度不对" in typo.value.user_message


def test_a_character_never_used_in_recovery_keys_is_named() -> None:
    groups = format_recovery_key(new_recovery_key()).split("-")
    groups[11] = "U" + groups[11][1:]

    with pytest.raises(RecoveryKeyTypo) as typo:
        parse_recovery_key("-".join(groups))

    assert typo.value.group == 12


def test_empty_input_is_a_typo() -> None:
    with pytest.raises(RecoveryKeyTypo) as typo:
        parse_recovery_key("   ")
    assert typo.value.group is None


def test_typo_messages_never_repeat_what_was_typed() -> None:
    text = format_recovery_key(new_recovery_key())
    broken = _replace(text, 0, "Z" if text[0] != "Z" else "Y")

    with pytest.raises(RecoveryKeyTypo) as typo:
        parse_recovery_key(broken)

    shown = str(typo.value) + typo.value.for_operator() + repr(typo.value)
    assert not any(group in shown for group in broken.split("-"))

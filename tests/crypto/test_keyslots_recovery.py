"""Key slots across machines: the machine binding, and the recovery key that restores a terminal on a new computer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.crypto.keyslot_errors import (
    KeyringUnavailable,
    RecoveryKeyTypo,
    RecoveryKeyWrong,
    StoreFromAnotherMachine,
)
from app.crypto.keyslots import enroll_operator, initialize_terminal, unlock_with_operator, unlock_with_recovery_key
from app.crypto.recovery_key import ALPHABET, format_recovery_key, new_recovery_key
from tests.crypto.keyslot_support import make_operator, slot_lines, terminal_on_machine


def test_recovery_key_unlocks_on_its_own_machine_without_rewriting_anything(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    terminal = initialize_terminal(config, make_operator("rsa").certificate)
    before = config.key_slots_path.read_bytes()

    recovered = unlock_with_recovery_key(config, terminal.recovery_key_text)

    assert recovered.master_key == terminal.master_key
    assert recovered.rebound is False
    assert config.key_slots_path.read_bytes() == before


def test_recovery_key_typed_loosely_still_unlocks(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    terminal = initialize_terminal(config, make_operator("ec").certificate)
    typed = "  " + terminal.recovery_key_text.lower().replace("-", " ").replace("0", "o").replace("1", "l")

    assert unlock_with_recovery_key(config, typed).master_key == terminal.master_key


def test_typo_in_recovery_key_is_reported_as_a_typo_naming_the_group(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    text = initialize_terminal(config, make_operator("ec").certificate).recovery_key_text
    groups = text.split("-")
    wrong_char = next(c for c in ALPHABET if c != groups[6][2])
    groups[6] = groups[6][:2] + wrong_char + groups[6][3:]

    with pytest.raises(RecoveryKeyTypo) as typo:
        unlock_with_recovery_key(config, "-".join(groups))

    assert typo.value.group == 7
    assert "第 7 组" in typo.value.user_message
    assert not isinstance(typo.value, RecoveryKeyWrong)


def test_well_formed_but_wrong_recovery_key_is_refused_as_wrong(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    initialize_terminal(config, make_operator("ec").certificate)
    before = config.key_slots_path.read_bytes()

    with pytest.raises(RecoveryKeyWrong) as wrong:
        unlock_with_recovery_key(config, format_recovery_key(new_recovery_key()))

    assert "不是本终端的恢复密钥" in wrong.value.user_message
    assert config.key_slots_path.read_bytes() == before


def test_slot_file_on_another_machine_is_refused_then_recovered_and_rebound(tmp_path: Path) -> None:
    old_machine = terminal_on_machine(tmp_path, "old")
    alice, bob = make_operator("rsa", "张三", "OP0001"), make_operator("ec", "李四", "OP0002")
    terminal = initialize_terminal(old_machine, alice.certificate)
    enroll_operator(old_machine, terminal.master_key, bob.certificate)
    new_machine = terminal_on_machine(tmp_path, "new")
    shutil.copytree(old_machine.data_dir, new_machine.data_dir)
    before = slot_lines(new_machine.key_slots_path)

    for operator in (alice, bob):
        with pytest.raises(StoreFromAnotherMachine) as foreign:
            unlock_with_operator(new_machine, operator)
    assert "恢复密钥" in foreign.value.next_step

    recovered = unlock_with_recovery_key(new_machine, terminal.recovery_key_text)

    assert recovered.master_key == terminal.master_key
    assert recovered.rebound is True
    assert [op.operator_id for op in recovered.operators] == ["OP0001", "OP0002"]
    after = slot_lines(new_machine.key_slots_path)
    assert after["recovery"] == before["recovery"]
    assert all(after[slot_id] != line for slot_id, line in before.items() if slot_id != "recovery")
    assert unlock_with_operator(new_machine, alice) == terminal.master_key
    assert unlock_with_operator(new_machine, bob) == terminal.master_key
    # The rebound file no longer opens with the old machine's secret.
    old_machine_reading_new_file = terminal_on_machine(tmp_path, "old", data_dir=new_machine.data_dir)
    with pytest.raises(StoreFromAnotherMachine):
        unlock_with_operator(old_machine_reading_new_file, alice)


def test_lost_keyring_entry_reads_as_another_machine_and_recovery_rebinds(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice = make_operator("ec")
    terminal = initialize_terminal(config, alice.certificate)
    assert config.development_keyring_file is not None
    config.development_keyring_file.unlink()

    with pytest.raises(StoreFromAnotherMachine):
        unlock_with_operator(config, alice)

    assert unlock_with_recovery_key(config, terminal.recovery_key_text).rebound is True
    assert unlock_with_operator(config, alice) == terminal.master_key


def test_enrolment_on_another_machine_is_refused(tmp_path: Path) -> None:
    old_machine = terminal_on_machine(tmp_path, "old")
    terminal = initialize_terminal(old_machine, make_operator("rsa").certificate)
    new_machine = terminal_on_machine(tmp_path, "new")
    shutil.copytree(old_machine.data_dir, new_machine.data_dir)

    with pytest.raises(StoreFromAnotherMachine):
        enroll_operator(new_machine, terminal.master_key, make_operator("ec", "李四", "OP0002").certificate)


def test_recovery_on_a_machine_without_a_keyring_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    terminal = initialize_terminal(config, make_operator("ec").certificate)
    before = config.key_slots_path.read_bytes()
    headless = type(config)(data_dir=config.data_dir)  # native policy; this machine's keyring is the fail backend

    with pytest.raises(KeyringUnavailable):
        unlock_with_recovery_key(headless, terminal.recovery_key_text)
    assert config.key_slots_path.read_bytes() == before

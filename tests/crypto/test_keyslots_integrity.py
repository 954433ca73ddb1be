"""Key slots: a damaged, edited or rolled-back slot file is refused as such; writes are atomic."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.crypto.keyslot_crypto import certificate_fingerprint
from app.crypto.keyslot_errors import (
    KeySlotsCorrupt,
    KeySlotsUnsupportedVersion,
    OperatorKeyMismatch,
    RecoveryKeyWrong,
    StoreFromAnotherMachine,
    TerminalNotInitialized,
)
from app.crypto.keyslots import enroll_operator, initialize_terminal, remove_operator, unlock_with_operator
from app.crypto.keyslots import unlock_with_recovery_key as recover
from app.files import DiskFull, FileWriteFailed
from tests.crypto.keyslot_support import edit_slot_file, flip_base64, make_operator, terminal_on_machine


def _operator_slot(document: dict[str, Any]) -> dict[str, Any]:
    slot: dict[str, Any] = document["slots"][1]
    return slot


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda d: _operator_slot(d).update(subject="CN=冒名者"), id="subject"),
        pytest.param(lambda d: _operator_slot(d).update(operator_id="OP9999"), id="operator-id"),
        pytest.param(
            lambda d: _operator_slot(d).update(wrapped_key=flip_base64(_operator_slot(d)["wrapped_key"])),
            id="wrapped-key",
        ),
        pytest.param(lambda d: _operator_slot(d).update(nonce=flip_base64(_operator_slot(d)["nonce"])), id="nonce"),
        pytest.param(
            lambda d: d["slots"][0].update(wrapped_key=flip_base64(d["slots"][0]["wrapped_key"])), id="recovery-slot"
        ),
        pytest.param(lambda d: d["slots"].append(dict(d["slots"][1], id="0" * 64)), id="added-slot"),
        pytest.param(lambda d: d.update(store_id="0" * 32), id="store-id"),
        pytest.param(lambda d: _operator_slot(d).update(kind="rsa-pkcs1"), id="unknown-kind"),
        pytest.param(lambda d: _operator_slot(d).pop("key_check"), id="missing-field"),
        pytest.param(lambda d: d["slots"].reverse(), id="slot-order"),
    ],
)
def test_edited_slot_file_is_refused_as_corrupt_not_as_a_wrong_key(tmp_path: Path, edit: Any) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice = make_operator("ec")
    initialize_terminal(config, alice.certificate)

    edit_slot_file(config.key_slots_path, edit)

    with pytest.raises((KeySlotsCorrupt, StoreFromAnotherMachine)) as refused:
        unlock_with_operator(config, alice)
    assert not isinstance(refused.value, OperatorKeyMismatch)


def test_edited_operator_field_is_corrupt_rather_than_foreign(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice = make_operator("rsa")
    initialize_terminal(config, alice.certificate)
    edit_slot_file(config.key_slots_path, lambda d: _operator_slot(d).update(subject="CN=冒名者"))

    with pytest.raises(KeySlotsCorrupt) as refused:
        unlock_with_operator(config, alice)
    assert "损坏或被改动" in refused.value.user_message


def test_a_removed_operators_slot_put_back_by_hand_is_refused(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice, bob = make_operator("rsa"), make_operator("ec", "李四", "OP0002")
    master_key = initialize_terminal(config, alice.certificate).master_key
    enroll_operator(config, master_key, bob.certificate)
    bob_slot = json.loads(config.key_slots_path.read_text(encoding="utf-8"))["slots"][2]
    remove_operator(config, master_key, certificate_fingerprint(bob.certificate))

    edit_slot_file(config.key_slots_path, lambda d: d["slots"].append(bob_slot))

    for operator in (alice, bob):
        with pytest.raises(KeySlotsCorrupt):
            unlock_with_operator(config, operator)


def test_a_slot_deleted_by_hand_is_refused(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice, bob = make_operator("rsa"), make_operator("ec", "李四", "OP0002")
    master_key = initialize_terminal(config, alice.certificate).master_key
    enroll_operator(config, master_key, bob.certificate)

    edit_slot_file(config.key_slots_path, lambda d: d["slots"].pop(2))

    with pytest.raises(KeySlotsCorrupt):
        unlock_with_operator(config, alice)


def test_file_edited_and_moved_is_refused_as_corrupt_even_with_the_recovery_key(tmp_path: Path) -> None:
    old_machine = terminal_on_machine(tmp_path, "old")
    terminal = initialize_terminal(old_machine, make_operator("rsa").certificate)
    new_machine = terminal_on_machine(tmp_path, "new")
    shutil.copytree(old_machine.data_dir, new_machine.data_dir)
    edit_slot_file(new_machine.key_slots_path, lambda d: _operator_slot(d).update(operator_id="OP9999"))

    with pytest.raises(KeySlotsCorrupt):
        recover(new_machine, terminal.recovery_key_text)


def test_damaged_recovery_slot_is_corrupt_not_a_wrong_recovery_key(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    terminal = initialize_terminal(config, make_operator("ec").certificate)
    edit_slot_file(
        config.key_slots_path, lambda d: d["slots"][0].update(wrapped_key=flip_base64(d["slots"][0]["wrapped_key"]))
    )

    with pytest.raises(KeySlotsCorrupt) as refused:
        recover(config, terminal.recovery_key_text)
    assert not isinstance(refused.value, RecoveryKeyWrong)


@pytest.mark.parametrize("keep", [0, 10, 200, -2])
def test_truncated_slot_file_is_corrupt(tmp_path: Path, keep: int) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice = make_operator("ec")
    initialize_terminal(config, alice.certificate)
    raw = config.key_slots_path.read_bytes()
    config.key_slots_path.write_bytes(raw[:keep])

    with pytest.raises(KeySlotsCorrupt):
        unlock_with_operator(config, alice)


def test_missing_slot_file_means_not_initialised(tmp_path: Path) -> None:
    with pytest.raises(TerminalNotInitialized):
        unlock_with_operator(terminal_on_machine(tmp_path, "a"), make_operator("ec"))


def test_slot_file_from_a_newer_program_is_named_as_such(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice = make_operator("ec")
    initialize_terminal(config, alice.certificate)
    edit_slot_file(config.key_slots_path, lambda d: d.update(version=2))

    with pytest.raises(KeySlotsUnsupportedVersion):
        unlock_with_operator(config, alice)


@pytest.mark.parametrize(
    ("failure", "error"),
    [(OSError(errno.EIO, "I/O error"), FileWriteFailed), (OSError(errno.ENOSPC, "No space left"), DiskFull)],
)
def test_failed_write_leaves_the_previous_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: OSError, error: type[Exception]
) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice, bob = make_operator("rsa"), make_operator("ec", "李四", "OP0002")
    master_key = initialize_terminal(config, alice.certificate).master_key
    before = config.key_slots_path.read_bytes()

    def failing_replace(src: Any, dst: Any) -> None:
        raise failure

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", failing_replace)
        with pytest.raises(error):
            enroll_operator(config, master_key, bob.certificate)

    assert config.key_slots_path.read_bytes() == before
    assert sorted(p.name for p in config.data_dir.iterdir()) == ["keyslots.json"]
    assert unlock_with_operator(config, alice) == master_key

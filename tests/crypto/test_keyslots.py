"""Key slots: initialise, unlock, enrol and remove operators on one machine."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.crypto.keys import SoftwareKey
from app.crypto.keyslot_crypto import certificate_fingerprint
from app.crypto.keyslot_errors import (
    LastOperatorSlot,
    MasterKeyMismatch,
    OperatorAlreadyEnrolled,
    OperatorKeyMismatch,
    OperatorNotEnrolled,
    RecoveryKeyWrong,
    TerminalAlreadyInitialized,
    UnsupportedOperatorKey,
)
from app.crypto.keyslots import (
    enroll_operator,
    find_operator,
    initialize_terminal,
    list_operators,
    remove_operator,
    replace_recovery_key,
    terminal_is_initialized,
    unlock_with_operator,
    unlock_with_recovery_key,
)
from tests.crypto.keyslot_support import (
    KeyKind,
    impostor,
    make_operator,
    operator_certificate,
    slot_lines,
    terminal_on_machine,
)


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_first_operator_unlocks_the_master_key(tmp_path: Path, kind: KeyKind) -> None:
    config = terminal_on_machine(tmp_path, "a")
    operator = make_operator(kind)
    assert not terminal_is_initialized(config)

    terminal = initialize_terminal(config, operator.certificate)

    assert terminal_is_initialized(config)
    assert len(terminal.master_key) == 32
    assert unlock_with_operator(config, operator) == terminal.master_key


@pytest.mark.parametrize(("first", "second"), [("rsa", "ec"), ("ec", "rsa")])
def test_enrolled_operator_unlocks_with_only_its_certificate_given_at_enrolment(
    tmp_path: Path, first: KeyKind, second: KeyKind
) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice, bob = make_operator(first, "张三", "OP0001"), make_operator(second, "李四", "OP0002")
    master_key = initialize_terminal(config, alice.certificate).master_key

    enrolled = enroll_operator(config, master_key, bob.certificate)

    assert enrolled.fingerprint_sha256 == certificate_fingerprint(bob.certificate)
    assert unlock_with_operator(config, bob) == master_key
    assert unlock_with_operator(config, alice) == master_key


def test_enrolling_touches_only_the_new_slot(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice, bob, carol = make_operator("rsa"), make_operator("ec", "李四", "OP0002"), make_operator("rsa", "王五", "OP3")
    master_key = initialize_terminal(config, alice.certificate).master_key
    enroll_operator(config, master_key, bob.certificate)
    before = slot_lines(config.key_slots_path)

    enroll_operator(config, master_key, carol.certificate)

    after = slot_lines(config.key_slots_path)
    assert set(after) - set(before) == {certificate_fingerprint(carol.certificate)}
    assert all(after[slot_id] == line for slot_id, line in before.items())


def test_removing_touches_only_the_removed_slot(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice, bob, carol = make_operator("rsa"), make_operator("ec", "李四", "OP0002"), make_operator("ec", "王五", "OP3")
    master_key = initialize_terminal(config, alice.certificate).master_key
    enroll_operator(config, master_key, bob.certificate)
    enroll_operator(config, master_key, carol.certificate)
    before = slot_lines(config.key_slots_path)
    bob_id = certificate_fingerprint(bob.certificate)

    remove_operator(config, master_key, bob_id)

    after = slot_lines(config.key_slots_path)
    assert set(before) - set(after) == {bob_id}
    assert all(before[slot_id] == line for slot_id, line in after.items())
    with pytest.raises(OperatorNotEnrolled):
        unlock_with_operator(config, bob)
    assert unlock_with_operator(config, carol) == master_key


def test_last_operator_slot_cannot_be_removed(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice = make_operator("ec")
    master_key = initialize_terminal(config, alice.certificate).master_key
    before = config.key_slots_path.read_bytes()

    with pytest.raises(LastOperatorSlot) as refused:
        remove_operator(config, master_key, certificate_fingerprint(alice.certificate))

    assert "最后" in refused.value.user_message
    assert config.key_slots_path.read_bytes() == before
    assert unlock_with_operator(config, alice) == master_key


def test_certificate_not_enrolled_here_is_refused(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    initialize_terminal(config, make_operator("rsa").certificate)
    stranger = make_operator("rsa", "赵六", "OP0009")

    with pytest.raises(OperatorNotEnrolled) as refused:
        unlock_with_operator(config, stranger)

    assert "未在本终端登记" in refused.value.user_message
    assert find_operator(config, stranger.certificate) is None


@pytest.mark.parametrize(("kind", "other_kind"), [("rsa", "rsa"), ("ec", "ec"), ("rsa", "ec"), ("ec", "rsa")])
def test_wrong_private_key_for_an_enrolled_certificate_is_refused(
    tmp_path: Path, kind: KeyKind, other_kind: KeyKind
) -> None:
    config = terminal_on_machine(tmp_path, "a")
    operator = make_operator(kind)
    initialize_terminal(config, operator.certificate)

    with pytest.raises(OperatorKeyMismatch):
        unlock_with_operator(config, impostor(operator, other_kind))


def test_enrolling_the_same_certificate_twice_is_refused(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice = make_operator("ec")
    master_key = initialize_terminal(config, alice.certificate).master_key

    with pytest.raises(OperatorAlreadyEnrolled):
        enroll_operator(config, master_key, alice.certificate)


def test_enrolment_needs_this_stores_master_key(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    master_key = initialize_terminal(config, make_operator("ec").certificate).master_key
    before = config.key_slots_path.read_bytes()
    newcomer = make_operator("rsa", "李四", "OP0002")

    for wrong in (bytes(32), master_key[:16], bytes(reversed(master_key))):
        with pytest.raises(MasterKeyMismatch):
            enroll_operator(config, wrong, newcomer.certificate)
        with pytest.raises(MasterKeyMismatch):
            remove_operator(config, wrong, certificate_fingerprint(newcomer.certificate))
    assert config.key_slots_path.read_bytes() == before


def test_unsupported_operator_keys_are_refused(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    weak_rsa = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    p384 = ec.generate_private_key(ec.SECP384R1())

    for key in (weak_rsa, p384):
        with pytest.raises(UnsupportedOperatorKey):
            initialize_terminal(config, operator_certificate(key, "张三", "OP0001"))
    assert not config.key_slots_path.exists()


def test_initialising_twice_is_refused(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    initialize_terminal(config, make_operator("ec").certificate)
    before = config.key_slots_path.read_bytes()

    with pytest.raises(TerminalAlreadyInitialized):
        initialize_terminal(config, make_operator("ec").certificate)
    assert config.key_slots_path.read_bytes() == before


def test_slots_identify_their_certificates(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice, bob = make_operator("rsa", "张三", "OP0001"), make_operator("ec", "李四", "OP0002")
    master_key = initialize_terminal(config, alice.certificate).master_key
    enroll_operator(config, master_key, bob.certificate)

    listed = list_operators(config)

    assert [entry.operator_id for entry in listed] == ["OP0001", "OP0002"]
    assert [entry.key_algorithm for entry in listed] == ["RSA", "ECC P-256"]
    assert "CN=李四" in listed[1].subject and "serialNumber=OP0002" in listed[1].subject
    assert listed[1].not_after == bob.certificate.not_valid_after_utc
    assert listed[1].certificate == bob.certificate
    found = find_operator(config, alice.certificate)
    assert found is not None and found.fingerprint_sha256 == certificate_fingerprint(alice.certificate)


def test_replacing_the_recovery_key_retires_the_old_one_and_keeps_operator_slots(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice = make_operator("rsa")
    terminal = initialize_terminal(config, alice.certificate)
    operators_before = {k: v for k, v in slot_lines(config.key_slots_path).items() if k != "recovery"}

    new_text = replace_recovery_key(config, terminal.master_key)

    assert {k: v for k, v in slot_lines(config.key_slots_path).items() if k != "recovery"} == operators_before
    with pytest.raises(RecoveryKeyWrong):
        unlock_with_recovery_key(config, terminal.recovery_key_text)
    assert unlock_with_recovery_key(config, new_text).master_key == terminal.master_key


def test_no_key_material_in_file_reprs_or_errors(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    alice = make_operator("ec")
    terminal = initialize_terminal(config, alice.certificate)
    master_forms = [terminal.master_key.hex(), base64.b64encode(terminal.master_key).decode()]
    raw = config.key_slots_path.read_text(encoding="utf-8")

    with pytest.raises(OperatorKeyMismatch) as refused:
        unlock_with_operator(config, impostor(alice))

    recovered = unlock_with_recovery_key(config, terminal.recovery_key_text)
    texts = [raw, repr(terminal), repr(recovered), str(refused.value), refused.value.for_operator()]
    for text in texts:
        assert not any(form in text for form in master_forms)
        assert terminal.recovery_key_text not in text
    assert terminal.recovery_key_text.split("-")[0] not in repr(terminal)


def test_slot_file_is_private_to_its_owner(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    initialize_terminal(config, make_operator("ec").certificate)

    assert stat.S_IMODE(config.key_slots_path.stat().st_mode) == 0o600
    assert config.development_keyring_file is not None
    assert stat.S_IMODE(config.development_keyring_file.stat().st_mode) == 0o600


def test_unwrap_goes_through_the_key_unwrapper_protocol(tmp_path: Path) -> None:
    config = terminal_on_machine(tmp_path, "a")
    operator = make_operator("ec")
    master_key = initialize_terminal(config, operator.certificate).master_key
    calls: list[str] = []

    class TokenStandIn:
        """Only the protocol's three members, as a PKCS#11 token offers them."""

        certificate = operator.certificate

        def decrypt_rsa_oaep_sha256(self, ciphertext: bytes) -> bytes:
            calls.append("rsa")
            return SoftwareKey.decrypt_rsa_oaep_sha256(operator, ciphertext)

        def ecdh_p256(self, peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
            calls.append("ecdh")
            return operator.ecdh_p256(peer_public_key)

    assert unlock_with_operator(config, TokenStandIn()) == master_key
    assert calls == ["ecdh"]

"""The key hierarchy of the local store: initialise a terminal, unlock it, enrol and remove operators, recover.

The master key (32 random bytes) is the store's SQLCipher raw key and the root of attachment keys. It is kept only
wrapped, in ``config.key_slots_path``: once per enrolled operator certificate (bound to this machine by a secret in
the OS keyring) and once for the printed recovery key (not bound, so the security officer can restore a terminal on a
replacement computer; recovery then re-binds the operator slots to the new machine). See docs/keys.md.
"""

from __future__ import annotations

import hmac
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509

from app.config import TerminalConfig
from app.crypto.keys import KeyUnwrapper
from app.crypto.keyslot_crypto import (
    MASTER_KEY_BYTES,
    certificate_fingerprint,
    machine_check,
    machine_mac_valid,
    master_mac_valid,
    new_master_key,
    seal,
    unwrap_operator,
    unwrap_recovery,
    wrap_for_operator,
    wrap_for_recovery,
)
from app.crypto.keyslot_errors import (
    KeySlotsCorrupt,
    LastOperatorSlot,
    MasterKeyMismatch,
    OperatorAlreadyEnrolled,
    OperatorNotEnrolled,
    StoreFromAnotherMachine,
    TerminalAlreadyInitialized,
)
from app.crypto.keyslot_file import (
    EC_KIND,
    KeySlotFile,
    OperatorSlotRecord,
    read_key_slot_file,
    write_key_slot_file,
)
from app.crypto.machine_secret import MachineSecretStore, new_machine_secret, open_machine_secrets
from app.crypto.recovery_key import format_recovery_key, new_recovery_key, parse_recovery_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InitializedTerminal:
    """What initialisation hands back: the master key for the store, and the recovery key to print once."""

    master_key: bytes = field(repr=False)
    recovery_key_text: str = field(repr=False)


@dataclass(frozen=True)
class RecoveredStore:
    """The master key opened with the recovery key; ``rebound`` when the slots were re-bound to this machine."""

    master_key: bytes = field(repr=False)
    rebound: bool
    operators: tuple[EnrolledOperator, ...]


@dataclass(frozen=True)
class EnrolledOperator:
    """What a slot says about its certificate (for display and login; authenticated only by an unlock)."""

    fingerprint_sha256: str
    certificate: x509.Certificate
    subject: str
    operator_id: str | None
    not_after: datetime
    enrolled_at: datetime
    key_algorithm: str


def terminal_is_initialized(config: TerminalConfig) -> bool:
    """Whether this terminal has a key-slot file."""
    return config.key_slots_path.exists()


def initialize_terminal(
    config: TerminalConfig,
    first_operator: x509.Certificate,
    *,
    machine_secrets: MachineSecretStore | None = None,
) -> InitializedTerminal:
    """Create the master key, the recovery key and the first operator's slot, bound to this machine."""
    if terminal_is_initialized(config):
        raise TerminalAlreadyInitialized(f"key-slot file exists at {config.key_slots_path}")
    store = machine_secrets if machine_secrets is not None else open_machine_secrets(config)
    store_id = uuid.uuid4().hex
    master_key = new_master_key()
    recovery_key = new_recovery_key()
    machine_secret = new_machine_secret()
    # The keyring first: a crash before the file is written leaves only an unused keyring entry.
    store.save(store_id, machine_secret)
    slots = KeySlotFile(
        store_id=store_id,
        machine_check=machine_check(machine_secret, store_id),
        recovery=wrap_for_recovery(recovery_key, master_key, store_id),
        operators=(wrap_for_operator(first_operator, master_key, machine_secret, store_id),),
    )
    write_key_slot_file(config.key_slots_path, seal(slots, master_key, machine_secret))
    log.info("terminal initialised: store %s, first operator %s", store_id, slots.operators[0].fingerprint_sha256)
    return InitializedTerminal(master_key=master_key, recovery_key_text=format_recovery_key(recovery_key))


def unlock_with_operator(
    config: TerminalConfig,
    unwrapper: KeyUnwrapper,
    *,
    machine_secrets: MachineSecretStore | None = None,
) -> bytes:
    """The master key, unwrapped by the operator's private key (on a token or in memory) on this machine."""
    slots, machine_secret = _load_bound(config, machine_secrets)
    fingerprint = certificate_fingerprint(unwrapper.certificate)
    slot = slots.operator(fingerprint)
    if slot is None:
        raise OperatorNotEnrolled(f"certificate {fingerprint} has no slot")
    master_key = unwrap_operator(slot, unwrapper, machine_secret, slots.store_id)
    if not master_mac_valid(slots, master_key):
        raise KeySlotsCorrupt("master MAC fails after a successful unwrap")
    log.info("store unlocked by operator %s", fingerprint)
    return master_key


def unlock_with_recovery_key(
    config: TerminalConfig,
    recovery_key_text: str,
    *,
    machine_secrets: MachineSecretStore | None = None,
) -> RecoveredStore:
    """The master key, opened with the printed recovery key; re-binds the operator slots to this machine if needed."""
    recovery_key = parse_recovery_key(recovery_key_text)
    slots = read_key_slot_file(config.key_slots_path)
    master_key = unwrap_recovery(slots.recovery, recovery_key, slots.store_id)
    if not master_mac_valid(slots, master_key):
        raise KeySlotsCorrupt("master MAC fails after recovery")
    store = machine_secrets if machine_secrets is not None else open_machine_secrets(config)
    machine_secret = store.load(slots.store_id)
    if machine_secret is not None and _bound_to(slots, machine_secret):
        log.info("store %s unlocked with the recovery key on its own machine", slots.store_id)
        return RecoveredStore(master_key=master_key, rebound=False, operators=_views(slots))
    rebound = _rebind(slots, master_key, store)
    write_key_slot_file(config.key_slots_path, rebound)
    log.warning("store %s recovered and re-bound to this machine", slots.store_id)
    return RecoveredStore(master_key=master_key, rebound=True, operators=_views(rebound))


def enroll_operator(
    config: TerminalConfig,
    master_key: bytes,
    certificate: x509.Certificate,
    *,
    machine_secrets: MachineSecretStore | None = None,
) -> EnrolledOperator:
    """Add a slot for ``certificate`` (its public key is enough); every other slot stays as it is."""
    slots, machine_secret = _load_bound(config, machine_secrets)
    _require_master_key(slots, master_key)
    fingerprint = certificate_fingerprint(certificate)
    if slots.operator(fingerprint) is not None:
        raise OperatorAlreadyEnrolled(f"certificate {fingerprint} already has a slot")
    slot = wrap_for_operator(certificate, master_key, machine_secret, slots.store_id)
    updated = seal(slots.with_operators((*slots.operators, slot)), master_key, machine_secret)
    write_key_slot_file(config.key_slots_path, updated)
    log.info("operator enrolled: %s", fingerprint)
    return _view(slot)


def remove_operator(
    config: TerminalConfig,
    master_key: bytes,
    fingerprint_sha256: str,
    *,
    machine_secrets: MachineSecretStore | None = None,
) -> None:
    """Delete the slot of the certificate with this SHA-256 fingerprint; the last operator slot stays."""
    slots, machine_secret = _load_bound(config, machine_secrets)
    _require_master_key(slots, master_key)
    slot = slots.operator(fingerprint_sha256)
    if slot is None:
        raise OperatorNotEnrolled(f"certificate {fingerprint_sha256} has no slot")
    if len(slots.operators) == 1:
        raise LastOperatorSlot(f"refusing to remove the last operator slot {fingerprint_sha256}")
    remaining = tuple(s for s in slots.operators if s is not slot)
    write_key_slot_file(config.key_slots_path, seal(slots.with_operators(remaining), master_key, machine_secret))
    log.info("operator removed: %s", slot.fingerprint_sha256)


def replace_recovery_key(
    config: TerminalConfig,
    master_key: bytes,
    *,
    machine_secrets: MachineSecretStore | None = None,
) -> str:
    """A new recovery key (returned for printing once); the old one stops working. Operator slots stay as they are."""
    slots, machine_secret = _load_bound(config, machine_secrets)
    _require_master_key(slots, master_key)
    recovery_key = new_recovery_key()
    updated = KeySlotFile(
        store_id=slots.store_id,
        machine_check=slots.machine_check,
        recovery=wrap_for_recovery(recovery_key, master_key, slots.store_id),
        operators=slots.operators,
    )
    write_key_slot_file(config.key_slots_path, seal(updated, master_key, machine_secret))
    log.info("recovery key replaced for store %s", slots.store_id)
    return format_recovery_key(recovery_key)


def list_operators(config: TerminalConfig) -> list[EnrolledOperator]:
    """The enrolled operators, in enrolment order (read without the keyring; authenticated only by an unlock)."""
    return list(_views(read_key_slot_file(config.key_slots_path)))


def find_operator(config: TerminalConfig, certificate: x509.Certificate) -> EnrolledOperator | None:
    """This certificate's enrolment on this terminal, or None when the operator is not enrolled here."""
    slot = read_key_slot_file(config.key_slots_path).operator(certificate_fingerprint(certificate))
    return _view(slot) if slot is not None else None


def _load_bound(config: TerminalConfig, machine_secrets: MachineSecretStore | None) -> tuple[KeySlotFile, bytes]:
    """The slot file and this machine's secret, after checking the file belongs to, and was written on, this machine."""
    slots = read_key_slot_file(config.key_slots_path)
    store = machine_secrets if machine_secrets is not None else open_machine_secrets(config)
    machine_secret = store.load(slots.store_id)
    if machine_secret is None:
        raise StoreFromAnotherMachine(f"no machine secret for store {slots.store_id} in this keyring")
    if not _bound_to(slots, machine_secret):
        raise StoreFromAnotherMachine(f"store {slots.store_id} is bound to another machine secret")
    if not machine_mac_valid(slots, machine_secret):
        raise KeySlotsCorrupt("machine MAC fails: the key-slot file was edited")
    return slots, machine_secret


def _bound_to(slots: KeySlotFile, machine_secret: bytes) -> bool:
    return hmac.compare_digest(machine_check(machine_secret, slots.store_id), slots.machine_check)


def _require_master_key(slots: KeySlotFile, master_key: bytes) -> None:
    if len(master_key) != MASTER_KEY_BYTES or not master_mac_valid(slots, master_key):
        raise MasterKeyMismatch("the master key given is not this store's")


def _rebind(slots: KeySlotFile, master_key: bytes, store: MachineSecretStore) -> KeySlotFile:
    """Re-wrap every operator slot under a new machine secret; only the certificates are needed."""
    machine_secret = new_machine_secret()
    store.save(slots.store_id, machine_secret)
    operators = tuple(
        wrap_for_operator(
            x509.load_der_x509_certificate(slot.certificate_der),
            master_key,
            machine_secret,
            slots.store_id,
            enrolled_at=slot.enrolled_at,
        )
        for slot in slots.operators
    )
    rebound = KeySlotFile(
        store_id=slots.store_id,
        machine_check=machine_check(machine_secret, slots.store_id),
        recovery=slots.recovery,
        operators=operators,
    )
    return seal(rebound, master_key, machine_secret)


def _views(slots: KeySlotFile) -> tuple[EnrolledOperator, ...]:
    return tuple(_view(slot) for slot in slots.operators)


def _view(slot: OperatorSlotRecord) -> EnrolledOperator:
    try:
        certificate = x509.load_der_x509_certificate(slot.certificate_der)
        not_after = datetime.fromisoformat(slot.not_after)
        enrolled_at = datetime.fromisoformat(slot.enrolled_at)
    except ValueError as exc:
        raise KeySlotsCorrupt(f"slot {slot.fingerprint_sha256[:16]} has an unreadable certificate or date") from exc
    return EnrolledOperator(
        fingerprint_sha256=slot.fingerprint_sha256,
        certificate=certificate,
        subject=slot.subject,
        operator_id=slot.operator_id,
        not_after=not_after,
        enrolled_at=enrolled_at,
        key_algorithm="ECC P-256" if slot.kind == EC_KIND else "RSA",
    )

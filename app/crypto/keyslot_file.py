"""The key-slot file: its records, its strict parser and its writer (one slot object per line).

Each slot is written as canonical JSON on a line of its own, so enrolling or removing one operator leaves every
other slot's bytes untouched. The two MACs cover the canonical JSON of everything but themselves.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

from app.crypto.keyslot_errors import KeySlotsCorrupt, KeySlotsUnsupportedVersion, TerminalNotInitialized
from app.files import atomic_write_text

FILE_FORMAT = "lianjie-keyslots"
FILE_VERSION = 1
RECOVERY_SLOT_ID = "recovery"
RSA_KIND: Final = "rsa-oaep-sha256"
EC_KIND: Final = "ecdh-p256-hkdf-sha256"
RECOVERY_KIND = "recovery-hkdf-sha256"
OperatorKind = Literal["rsa-oaep-sha256", "ecdh-p256-hkdf-sha256"]
# The field that carries the public half of the key agreement, by slot kind.
_EXCHANGE_FIELD = MappingProxyType({RSA_KIND: "encrypted_share", EC_KIND: "ephemeral_public_key"})
_MAX_FILE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class OperatorSlotRecord:
    """The master key wrapped for one operator certificate, plus what identifies the certificate."""

    fingerprint_sha256: str
    kind: OperatorKind
    certificate_der: bytes = field(repr=False)
    subject: str
    operator_id: str | None
    not_after: str
    enrolled_at: str
    # RSA: the OAEP ciphertext of the operator share; EC: the ephemeral public point (X9.62 uncompressed).
    exchange: bytes = field(repr=False)
    key_check: bytes = field(repr=False)
    nonce: bytes = field(repr=False)
    wrapped_key: bytes = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.fingerprint_sha256,
            "kind": self.kind,
            "certificate": _b64(self.certificate_der),
            "subject": self.subject,
            "operator_id": self.operator_id,
            "not_after": self.not_after,
            "enrolled_at": self.enrolled_at,
            _EXCHANGE_FIELD[self.kind]: _b64(self.exchange),
            "key_check": _b64(self.key_check),
            "nonce": _b64(self.nonce),
            "wrapped_key": _b64(self.wrapped_key),
        }


@dataclass(frozen=True)
class RecoverySlotRecord:
    """The master key wrapped for the printed recovery key."""

    key_check: bytes = field(repr=False)
    nonce: bytes = field(repr=False)
    wrapped_key: bytes = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": RECOVERY_SLOT_ID,
            "kind": RECOVERY_KIND,
            "key_check": _b64(self.key_check),
            "nonce": _b64(self.nonce),
            "wrapped_key": _b64(self.wrapped_key),
        }


@dataclass(frozen=True)
class KeySlotFile:
    """The whole file. ``machine_mac`` needs the machine secret, ``master_mac`` the master key."""

    store_id: str
    machine_check: bytes = field(repr=False)
    recovery: RecoverySlotRecord
    operators: tuple[OperatorSlotRecord, ...]
    machine_mac: bytes = field(default=b"", repr=False)
    master_mac: bytes = field(default=b"", repr=False)

    def authenticated_body(self) -> bytes:
        """The canonical bytes both MACs cover: every field except the MACs."""
        body = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "store_id": self.store_id,
            "machine_check": _b64(self.machine_check),
            "slots": [slot.to_json() for slot in self.slots_in_order()],
        }
        return _canonical(body).encode("utf-8")

    def slots_in_order(self) -> list[RecoverySlotRecord | OperatorSlotRecord]:
        return [self.recovery, *self.operators]

    def operator(self, fingerprint_sha256: str) -> OperatorSlotRecord | None:
        """The slot of the certificate with this fingerprint (hex, lower case), if enrolled."""
        wanted = fingerprint_sha256.lower()
        return next((slot for slot in self.operators if slot.fingerprint_sha256 == wanted), None)

    def with_operators(self, operators: tuple[OperatorSlotRecord, ...]) -> KeySlotFile:
        return replace(self, operators=operators, machine_mac=b"", master_mac=b"")


def write_key_slot_file(path: Path, slots: KeySlotFile) -> None:
    """Write the file atomically, one slot per line."""
    slot_lines = ",\n".join(_canonical(slot.to_json()) for slot in slots.slots_in_order())
    text = (
        "{\n"
        f'"format": {_canonical(FILE_FORMAT)},\n'
        f'"version": {FILE_VERSION},\n'
        f'"store_id": {_canonical(slots.store_id)},\n'
        f'"machine_check": {_canonical(_b64(slots.machine_check))},\n'
        f'"slots": [\n{slot_lines}\n],\n'
        f'"mac": {_canonical({"machine": _b64(slots.machine_mac), "master": _b64(slots.master_mac)})}\n'
        "}\n"
    )
    atomic_write_text(path, text, mode=0o600)


def read_key_slot_file(path: Path) -> KeySlotFile:
    """Parse the file strictly; anything unexpected is ``KeySlotsCorrupt`` (nothing is authenticated yet)."""
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise TerminalNotInitialized(f"no key-slot file at {path}") from exc
    except OSError as exc:
        raise KeySlotsCorrupt(
            f"cannot read key-slot file: {exc.strerror}",
            user_message="无法读取密钥槽文件。",
            next_step="请检查磁盘和文件权限；如无法解决，请联系本单位安全管理员。",
        ) from exc
    if len(raw) > _MAX_FILE_BYTES:
        raise KeySlotsCorrupt("key-slot file too large")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise KeySlotsCorrupt("key-slot file is not JSON (truncated or damaged)") from exc
    return _parse_document(document)


def _parse_document(document: Any) -> KeySlotFile:
    doc = _object(document, {"format", "version", "store_id", "machine_check", "slots", "mac"}, "file")
    if doc["format"] != FILE_FORMAT:
        raise KeySlotsCorrupt("not a key-slot file")
    version = doc["version"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise KeySlotsCorrupt("version is not an integer")
    if version > FILE_VERSION:
        raise KeySlotsUnsupportedVersion(f"key-slot file version {version}, this program reads {FILE_VERSION}")
    if version != FILE_VERSION:
        raise KeySlotsCorrupt(f"unknown key-slot file version {version}")
    slots = doc["slots"]
    if not isinstance(slots, list) or not slots:
        raise KeySlotsCorrupt("slots is not a non-empty list")
    recovery = _parse_recovery(slots[0])
    operators = tuple(_parse_operator(slot) for slot in slots[1:])
    if not operators:
        raise KeySlotsCorrupt("no operator slot")
    if len({slot.fingerprint_sha256 for slot in operators}) != len(operators):
        raise KeySlotsCorrupt("duplicate operator slot")
    mac = _object(doc["mac"], {"machine", "master"}, "mac")
    return KeySlotFile(
        store_id=_text(doc, "store_id"),
        machine_check=_bytes(doc, "machine_check"),
        recovery=recovery,
        operators=operators,
        machine_mac=_bytes(mac, "machine"),
        master_mac=_bytes(mac, "master"),
    )


def _parse_recovery(value: Any) -> RecoverySlotRecord:
    slot = _object(value, {"id", "kind", "key_check", "nonce", "wrapped_key"}, "recovery slot")
    if slot["id"] != RECOVERY_SLOT_ID or slot["kind"] != RECOVERY_KIND:
        raise KeySlotsCorrupt("first slot is not the recovery slot")
    return RecoverySlotRecord(
        key_check=_bytes(slot, "key_check"), nonce=_bytes(slot, "nonce"), wrapped_key=_bytes(slot, "wrapped_key")
    )


def _parse_operator(value: Any) -> OperatorSlotRecord:
    kind: OperatorKind
    match value.get("kind") if isinstance(value, dict) else None:
        case "rsa-oaep-sha256":
            kind = RSA_KIND
        case "ecdh-p256-hkdf-sha256":
            kind = EC_KIND
        case _:
            raise KeySlotsCorrupt("operator slot of unknown kind")
    exchange_field = _EXCHANGE_FIELD[kind]
    keys = {"id", "kind", "certificate", "subject", "operator_id", "not_after", "enrolled_at", exchange_field}
    slot = _object(value, keys | {"key_check", "nonce", "wrapped_key"}, "operator slot")
    operator_id = slot["operator_id"]
    if operator_id is not None and not isinstance(operator_id, str):
        raise KeySlotsCorrupt("operator_id is not a string")
    return OperatorSlotRecord(
        fingerprint_sha256=_text(slot, "id"),
        kind=kind,
        certificate_der=_bytes(slot, "certificate"),
        subject=_text(slot, "subject"),
        operator_id=operator_id,
        not_after=_text(slot, "not_after"),
        enrolled_at=_text(slot, "enrolled_at"),
        exchange=_bytes(slot, exchange_field),
        key_check=_bytes(slot, "key_check"),
        nonce=_bytes(slot, "nonce"),
        wrapped_key=_bytes(slot, "wrapped_key"),
    )


def _object(value: Any, keys: set[str], what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != keys:
        raise KeySlotsCorrupt(f"{what} does not have the expected fields")
    return value


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj[key]
    if not isinstance(value, str) or not value:
        raise KeySlotsCorrupt(f"{key} is not a string")
    return value


def _bytes(obj: dict[str, Any], key: str) -> bytes:
    value = obj[key]
    if not isinstance(value, str):
        raise KeySlotsCorrupt(f"{key} is not base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeySlotsCorrupt(f"{key} is not valid base64") from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

"""The cryptography of the key slots: wrapping the master key, and authenticating the file.

Operator slot: an operator secret that only the operator's private key can recover — a random share under
RSA-OAEP-SHA256, or the ECDH P-256 secret with an ephemeral key — and this machine's secret both feed HKDF-SHA256;
the resulting key-encryption key wraps the master key with AES-256-GCM. So the slot file and the operator's key
are not enough without the machine. Recovery slot: HKDF of the 256-bit recovery key alone, so that it works on a
new computer. Each slot also keeps a short key check, which tells a wrong key from a damaged slot.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

from app.crypto.keys import KeyUnwrapper
from app.crypto.keyslot_errors import KeySlotsCorrupt, OperatorKeyMismatch, RecoveryKeyWrong, UnsupportedOperatorKey
from app.crypto.keyslot_file import (
    EC_KIND,
    RECOVERY_KIND,
    RECOVERY_SLOT_ID,
    RSA_KIND,
    KeySlotFile,
    OperatorKind,
    OperatorSlotRecord,
    RecoverySlotRecord,
)

MASTER_KEY_BYTES = 32
_DOMAIN = b"lianjie-keyslots v1 "
_CHECK_BYTES = 16
_NONCE_BYTES = 12
_SHARE_BYTES = 32
_MIN_RSA_BITS = 2048
_CHINA_STANDARD_TIME = timezone(timedelta(hours=8))


def new_master_key() -> bytes:
    """32 random bytes: the SQLCipher raw key and the root of attachment keys."""
    return secrets.token_bytes(MASTER_KEY_BYTES)


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, lower-case hex: how slots name certificates."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def operator_kind(certificate: x509.Certificate) -> OperatorKind:
    """The slot kind for this certificate's key, or ``UnsupportedOperatorKey``."""
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= _MIN_RSA_BITS:
        return RSA_KIND
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return EC_KIND
    raise UnsupportedOperatorKey(f"unsupported operator key {type(key).__name__}")


def machine_check(machine_secret: bytes, store_id: str) -> bytes:
    """A public commitment to the machine secret: tells "another machine" apart from "edited"."""
    return _hkdf(machine_secret, store_id, b"machine check", _CHECK_BYTES)


def seal(slots: KeySlotFile, master_key: bytes, machine_secret: bytes) -> KeySlotFile:
    """``slots`` with both MACs computed over its current content."""
    body = slots.authenticated_body()
    return KeySlotFile(
        store_id=slots.store_id,
        machine_check=slots.machine_check,
        recovery=slots.recovery,
        operators=slots.operators,
        machine_mac=_mac(_hkdf(machine_secret, slots.store_id, b"machine mac"), body),
        master_mac=_mac(_hkdf(master_key, slots.store_id, b"master mac"), body),
    )


def machine_mac_valid(slots: KeySlotFile, machine_secret: bytes) -> bool:
    """Whether the file is unchanged since this machine last wrote it."""
    expected = _mac(_hkdf(machine_secret, slots.store_id, b"machine mac"), slots.authenticated_body())
    return hmac.compare_digest(expected, slots.machine_mac)


def master_mac_valid(slots: KeySlotFile, master_key: bytes) -> bool:
    """Whether the file is unchanged since a holder of the master key last wrote it (works on any machine)."""
    expected = _mac(_hkdf(master_key, slots.store_id, b"master mac"), slots.authenticated_body())
    return hmac.compare_digest(expected, slots.master_mac)


def wrap_for_operator(
    certificate: x509.Certificate,
    master_key: bytes,
    machine_secret: bytes,
    store_id: str,
    enrolled_at: str | None = None,
) -> OperatorSlotRecord:
    """A slot that the holder of ``certificate``'s private key can open on this machine; needs only the certificate."""
    kind = operator_kind(certificate)
    public_key = certificate.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        operator_secret = secrets.token_bytes(_SHARE_BYTES)
        exchange = public_key.encrypt(operator_secret, _oaep())
    else:
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        ephemeral = ec.generate_private_key(ec.SECP256R1())
        operator_secret = ephemeral.exchange(ec.ECDH(), public_key)
        exchange = ephemeral.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    fingerprint = certificate_fingerprint(certificate)
    kek = _operator_kek(operator_secret, machine_secret, store_id, kind, fingerprint, exchange)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    serial_numbers = certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    return OperatorSlotRecord(
        fingerprint_sha256=fingerprint,
        kind=kind,
        certificate_der=certificate.public_bytes(serialization.Encoding.DER),
        subject=certificate.subject.rfc4514_string({NameOID.SERIAL_NUMBER: "serialNumber"}),
        operator_id=str(serial_numbers[0].value) if serial_numbers else None,
        not_after=certificate.not_valid_after_utc.isoformat(),
        enrolled_at=enrolled_at or datetime.now(_CHINA_STANDARD_TIME).isoformat(timespec="seconds"),
        exchange=exchange,
        key_check=_operator_key_check(operator_secret, store_id, fingerprint),
        nonce=nonce,
        wrapped_key=AESGCM(kek).encrypt(nonce, master_key, _aad(store_id, fingerprint, kind)),
    )


def unwrap_operator(slot: OperatorSlotRecord, unwrapper: KeyUnwrapper, machine_secret: bytes, store_id: str) -> bytes:
    """The master key from ``slot``, the private-key step done by ``unwrapper`` (possibly on a token)."""
    try:
        if slot.kind == RSA_KIND:
            operator_secret = unwrapper.decrypt_rsa_oaep_sha256(slot.exchange)
        else:
            operator_secret = unwrapper.ecdh_p256(_ephemeral_key(slot.exchange))
    except (ValueError, TypeError) as exc:
        # OAEP padding that does not check out, or a key of the other type: not the enrolled private key.
        raise OperatorKeyMismatch(f"private-key operation refused for slot {slot.fingerprint_sha256[:16]}") from exc
    if not hmac.compare_digest(_operator_key_check(operator_secret, store_id, slot.fingerprint_sha256), slot.key_check):
        raise OperatorKeyMismatch(f"key check fails for slot {slot.fingerprint_sha256[:16]}")
    kek = _operator_kek(operator_secret, machine_secret, store_id, slot.kind, slot.fingerprint_sha256, slot.exchange)
    return _open(kek, slot.nonce, slot.wrapped_key, _aad(store_id, slot.fingerprint_sha256, slot.kind))


def wrap_for_recovery(recovery_key: bytes, master_key: bytes, store_id: str) -> RecoverySlotRecord:
    """The recovery slot: independent of the machine, so that it opens on a replacement computer."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    kek = _hkdf(recovery_key, store_id, b"recovery kek")
    return RecoverySlotRecord(
        key_check=_hkdf(recovery_key, store_id, b"recovery key check", _CHECK_BYTES),
        nonce=nonce,
        wrapped_key=AESGCM(kek).encrypt(nonce, master_key, _aad(store_id, RECOVERY_SLOT_ID, RECOVERY_KIND)),
    )


def unwrap_recovery(slot: RecoverySlotRecord, recovery_key: bytes, store_id: str) -> bytes:
    """The master key from the recovery slot; ``RecoveryKeyWrong`` for another terminal's recovery key."""
    if not hmac.compare_digest(_hkdf(recovery_key, store_id, b"recovery key check", _CHECK_BYTES), slot.key_check):
        raise RecoveryKeyWrong("recovery key check fails")
    kek = _hkdf(recovery_key, store_id, b"recovery kek")
    return _open(kek, slot.nonce, slot.wrapped_key, _aad(store_id, RECOVERY_SLOT_ID, RECOVERY_KIND))


def _operator_kek(
    operator_secret: bytes, machine_secret: bytes, store_id: str, kind: str, fingerprint: str, exchange: bytes
) -> bytes:
    info = b"operator kek|" + kind.encode() + b"|" + fingerprint.encode() + b"|" + hashlib.sha256(exchange).digest()
    return _hkdf(operator_secret + machine_secret, store_id, info)


def _operator_key_check(operator_secret: bytes, store_id: str, fingerprint: str) -> bytes:
    return _hkdf(operator_secret, store_id, b"operator key check|" + fingerprint.encode(), _CHECK_BYTES)


def _ephemeral_key(encoded: bytes) -> ec.EllipticCurvePublicKey:
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), encoded)
    except ValueError as exc:
        raise KeySlotsCorrupt("ephemeral public key is not a P-256 point") from exc


def _open(kek: bytes, nonce: bytes, wrapped_key: bytes, aad: bytes) -> bytes:
    try:
        master_key = AESGCM(kek).decrypt(nonce, wrapped_key, aad)
    except (InvalidTag, ValueError) as exc:
        # The key check passed, so the key is right: the slot itself has been altered.
        raise KeySlotsCorrupt("wrapped master key fails authentication") from exc
    if len(master_key) != MASTER_KEY_BYTES:
        raise KeySlotsCorrupt("wrapped master key has the wrong length")
    return master_key


def _aad(store_id: str, slot_id: str, kind: str) -> bytes:
    return _DOMAIN + f"{store_id}|{slot_id}|{kind}".encode()


def _hkdf(ikm: bytes, store_id: str, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=store_id.encode(), info=_DOMAIN + info).derive(ikm)


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()


def _oaep() -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)

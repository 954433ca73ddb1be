"""Software-side signers: an operator key in a PKCS#12 file, and the OAEP decoding a token may leave to us.

``Pkcs12Signer`` implements both ``Signer`` and ``KeyUnwrapper`` (app/crypto/keys.py); the token-side twin is
``Pkcs11Signer`` in app/crypto/pkcs11_token.py.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat, pkcs12

from app.crypto.errors import KeyFileUnreadable, WrongPin
from app.crypto.keys import SoftwareKey

# RFC 8017 §9.2 note 1: DER prefix of DigestInfo for SHA-256, prepended before CKM_RSA_PKCS signing.
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


class Pkcs12Signer(SoftwareKey):
    """An operator (or terminal) key read from a password-protected PKCS#12 file."""

    def __init__(
        self,
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
        *,
        source: str = "",
    ) -> None:
        super().__init__(private_key, certificate, chain)
        self.source = source

    def __repr__(self) -> str:
        return f"Pkcs12Signer({self.source or '<memory>'}, subject={self.certificate.subject.rfc4514_string()!r})"

    def private_key_der(self) -> bytes:
        """The key as unencrypted PKCS#8 DER, for sealing into the encrypted store (the terminal key only)."""
        return self._key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())

    @classmethod
    def from_bytes(cls, data: bytes, password: str | bytes, *, source: str = "") -> Pkcs12Signer:
        """Open a PKCS#12 bundle; ``WrongPin`` for a wrong password, ``KeyFileUnreadable`` for anything else."""
        secret = password.encode("utf-8") if isinstance(password, str) else password
        try:
            key, certificate, extra = pkcs12.load_key_and_certificates(data, secret or None)
        except ValueError:
            # cryptography says "invalid password or PKCS12 data" for both; a well-formed PFX means the password.
            if _is_pfx(data):
                raise WrongPin("PKCS#12 password rejected") from None
            raise KeyFileUnreadable("not a PKCS#12 file") from None
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) or certificate is None:
            raise KeyFileUnreadable("PKCS#12 lacks a supported key or its certificate")
        if _spki(key.public_key()) != _spki(certificate.public_key()):
            raise KeyFileUnreadable("PKCS#12 key does not match its certificate")
        chain = [cert for cert in _issuer_order(certificate, extra) if cert != certificate]
        # Signer.chain holds intermediates only; the trust anchor comes from the terminal's configuration.
        return cls(key, certificate, [cert for cert in chain if cert.subject != cert.issuer], source=source)

    @classmethod
    def from_file(cls, path: Path, password: str | bytes) -> Pkcs12Signer:
        """``from_bytes`` on the file at ``path``."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise KeyFileUnreadable(f"cannot read {Path(path).name}: {exc.strerror}") from None
        return cls.from_bytes(data, password, source=str(path))


def read_pkcs12_certificate(path: Path) -> x509.Certificate | None:
    """The certificate of a PKCS#12 file without the password, where its certificate bag is unencrypted."""
    try:
        _key, certificate, _extra = pkcs12.load_key_and_certificates(Path(path).read_bytes(), None)
    except (OSError, ValueError, TypeError):
        return None
    return certificate


def oaep_sha256_decode(encoded: bytes, modulus_bytes: int) -> bytes:
    """EME-OAEP decoding (RFC 8017 §7.1.2, SHA-256, MGF1-SHA-256, empty label) of a raw RSA output.

    Used when a token (SoftHSM 2.6) accepts only SHA-1 OAEP: the private-key operation stays on the token
    (CKM_RSA_X_509) and only the unpadding happens here. One generic error for every fault (no padding oracle).
    """
    h_len = 32
    em = encoded.rjust(modulus_bytes, b"\0")
    if len(em) != modulus_bytes or modulus_bytes < 2 * h_len + 2:
        raise ValueError("decryption failed")
    y, masked_seed, masked_db = em[0], em[1 : 1 + h_len], em[1 + h_len :]
    seed = _xor(masked_seed, _mgf1(masked_db, h_len))
    db = _xor(masked_db, _mgf1(seed, len(masked_db)))
    label_hash, rest = db[:h_len], db[h_len:]
    good = hmac.compare_digest(label_hash, hashlib.sha256(b"").digest()) & (y == 0)
    separator = -1
    for index, byte in enumerate(rest):
        if separator < 0 and byte == 1:
            separator = index
        elif separator < 0 and byte != 0:
            good = False
    if not good or separator < 0:
        raise ValueError("decryption failed")
    return bytes(rest[separator + 1 :])


def _mgf1(seed: bytes, length: int) -> bytes:
    output = bytearray()
    counter = 0
    while len(output) < length:
        output += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(output[:length])


def _xor(left: bytes, right: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(left, right, strict=True))


def _is_pfx(data: bytes) -> bool:
    try:
        pfx = asn1_pkcs12.Pfx.load(data)
        return bool(pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native == "data")
    except (ValueError, TypeError, KeyError):
        return False


def _spki(public_key: Any) -> bytes:
    return bytes(public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))


def _issuer_order(leaf: x509.Certificate, others: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """Order ``others`` from the leaf's issuer upwards (PKCS#12 files carry them in any order)."""
    ordered: list[x509.Certificate] = []
    pool = list(others)
    current = leaf
    while pool:
        parent = next((cert for cert in pool if cert.subject == current.issuer), None)
        if parent is None:
            break
        ordered.append(parent)
        pool.remove(parent)
        if parent.subject == parent.issuer:
            break
        current = parent
    return ordered + pool

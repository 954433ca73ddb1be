"""Key generation and the files keys travel in (PKCS#12 bundles, encrypted PEM)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from app.files import atomic_write_bytes

KeyAlgorithm = Literal["rsa2048", "rsa3072", "p256"]
KEY_ALGORITHMS: tuple[KeyAlgorithm, ...] = ("rsa2048", "rsa3072", "p256")

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

# PBES2 / AES-256 / SHA-256 with a strong KDF: readable by OpenSSL 1.1+ and every mainstream token tool.
_PKCS12_KDF_ROUNDS = 200_000


def generate_private_key(algorithm: KeyAlgorithm) -> PrivateKey:
    """A new software key of the profile's allowed kinds."""
    if algorithm == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    bits = 2048 if algorithm == "rsa2048" else 3072
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def pkcs12_bytes(
    key: PrivateKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    password: bytes,
    friendly_name: str,
) -> bytes:
    """A password-protected PKCS#12 bundle of ``key``, ``certificate`` and ``chain``."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(_PKCS12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password)
    )
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode("utf-8"), key, certificate, list(chain) or None, encryption
    )


def write_pkcs12(
    path: Path,
    key: PrivateKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    password: bytes,
    friendly_name: str,
) -> None:
    """Write a PKCS#12 bundle atomically, readable by the owner only."""
    atomic_write_bytes(path, pkcs12_bytes(key, certificate, chain, password, friendly_name), mode=0o600)


def encrypted_key_pem(key: PrivateKey, passphrase: bytes) -> bytes:
    """PKCS#8 PEM encrypted under ``passphrase`` (OpenSSL-compatible)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def certificate_pem(certificates: Sequence[x509.Certificate]) -> bytes:
    """PEM text of ``certificates`` in order."""
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certificates)

"""What the rest of the terminal may ask of an operator's private key, wherever it lives.

A key on a PKCS#11 token and a key in a PKCS#12 file look the same from here (Electrum's lesson:
the wallet never knows whether a key is software or a device). The store's key slots use
``KeyUnwrapper``; packets use ``Signer``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


@runtime_checkable
class KeyUnwrapper(Protocol):
    """The private-key operations that unwrap a key slot. A token performs them on the token."""

    @property
    def certificate(self) -> x509.Certificate: ...

    def decrypt_rsa_oaep_sha256(self, ciphertext: bytes) -> bytes:
        """RSA-OAEP with SHA-256 and MGF1-SHA-256, no label."""
        ...

    def ecdh_p256(self, peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
        """The raw ECDH shared secret (x coordinate, 32 bytes) with ``peer_public_key``."""
        ...


@runtime_checkable
class Signer(Protocol):
    """Signs with an operator's certificate: SHA-256, RSA PKCS#1 v1.5 or ECDSA (DER)."""

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> Sequence[x509.Certificate]:
        """Intermediate certificates between the signer and the trust anchor (may be empty)."""
        ...

    def sign(self, data: bytes) -> bytes: ...


class SoftwareKey:
    """A private key held in memory (from a PKCS#12 file, or a test). Implements both protocols."""

    def __init__(
        self,
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
    ) -> None:
        self._key = private_key
        self._certificate = certificate
        self._chain = tuple(chain)

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> Sequence[x509.Certificate]:
        return self._chain

    def decrypt_rsa_oaep_sha256(self, ciphertext: bytes) -> bytes:
        if not isinstance(self._key, rsa.RSAPrivateKey):
            raise TypeError("not an RSA key")
        return self._key.decrypt(
            ciphertext,
            padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
        )

    def ecdh_p256(self, peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
        if not isinstance(self._key, ec.EllipticCurvePrivateKey):
            raise TypeError("not an EC key")
        return self._key.exchange(ec.ECDH(), peer_public_key)

    def sign(self, data: bytes) -> bytes:
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))

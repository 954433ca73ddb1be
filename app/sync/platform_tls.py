"""The terminal's TLS identity toward the platform: credentials and the client ``ssl`` context (mutual TLS).

The platform root is the only trust anchor; the terminal certificate authenticates the machine. Python's ``ssl``
loads a client key only from a file, so the key is written for the instant of loading to a private temporary file,
encrypted under a random one-time passphrase, and removed at once: the plaintext key never touches the disk.
"""

from __future__ import annotations

import secrets
import ssl
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


@dataclass(frozen=True)
class TerminalCredentials:
    """The terminal's mTLS identity: certificate, chain and software key (held in the encrypted store)."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    chain: Sequence[x509.Certificate] = ()

    @classmethod
    def from_files(cls, certificate: Path, key: Path, password: bytes | None = None) -> TerminalCredentials:
        """Credentials from PEM files (the certificate file may carry the chain after the leaf)."""
        certificates = x509.load_pem_x509_certificates(Path(certificate).read_bytes())
        private_key = serialization.load_pem_private_key(Path(key).read_bytes(), password)
        if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise TypeError("terminal key must be RSA or EC")
        return cls(certificates[0], private_key, certificates[1:])


def client_ssl_context(
    credentials: TerminalCredentials, trust_roots: Sequence[x509.Certificate], *, tls12_only: bool = False
) -> ssl.SSLContext:
    """TLS 1.2+, the platform root as the only anchor, hostname checked, the terminal certificate presented."""
    anchors = "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in trust_roots)
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=anchors)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if tls12_only:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    passphrase = secrets.token_bytes(32)
    with tempfile.TemporaryDirectory(prefix="lianjie-tls-") as folder:
        cert_path, key_path = Path(folder) / "terminal.pem", Path(folder) / "terminal.key"
        cert_path.write_bytes(
            b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (credentials.certificate, *credentials.chain))
        )
        key_path.touch(mode=0o600)
        key_path.write_bytes(
            credentials.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(passphrase),
            )
        )
        context.load_cert_chain(cert_path, key_path, password=passphrase)
    return context

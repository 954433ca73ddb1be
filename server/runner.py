"""Putting a platform together from its configuration, and running it under uvicorn over mutual TLS."""

from __future__ import annotations

import logging
import ssl

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.crypto.keys import SoftwareKey
from app.sync.packet import Quarantine
from server.app import Platform, build_app, receipt_signer
from server.config import PlatformConfig, PlatformConfigInvalid
from server.published import PublishedState, adopt_calendar
from server.store import PacketStore
from server.tls import PeerCertificateH11Protocol, switching_context
from server.writer import GroupCommitWriter

log = logging.getLogger("lianjie.platform")
# uvicorn's HTTP/1.1 protocol plus the ASGI TLS extension; the bench's raw baseline runs the same one.
HTTP_PROTOCOL = PeerCertificateH11Protocol


def load_receipt_signer(config: PlatformConfig) -> SoftwareKey:
    """The platform's receipt key and certificate (PEM; the certificate file may carry its chain)."""
    try:
        certificates = x509.load_pem_x509_certificates(config.receipt_certificate.read_bytes())
        key = serialization.load_pem_private_key(config.receipt_key.read_bytes(), config.receipt_key_password())
    except (OSError, ValueError, TypeError):
        # The message names the files, never their content or the passphrase.
        raise PlatformConfigInvalid(
            "receipt key or certificate unreadable",
            user_message="无法读取回执签名证书或密钥（文件缺失、格式错误或口令不符）。",
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise PlatformConfigInvalid("receipt key type", user_message="回执签名密钥须为 RSA 或 ECDSA P-256。")
    return SoftwareKey(key, certificates[0], certificates[1:])


def open_platform(config: PlatformConfig, *, create_schema: bool = True) -> Platform:
    """Everything a platform needs, checked: published trust, receipt key, storage."""
    signer = load_receipt_signer(config)
    adopt_calendar(config)
    published = PublishedState(config, signer)
    store = PacketStore(config.effective_database_url)
    if create_schema:
        store.create_schema()
    writer = GroupCommitWriter(store, receipt_signer(config.name, signer))
    return Platform(config, published, store, Quarantine(config.quarantine_dir), signer, writer)


def build_server(platform: Platform, *, port: int | None = None, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for ``platform`` that requires client certificates and exposes them to the app."""
    published = platform.published

    def context_factory(_config: uvicorn.Config, _default: object) -> ssl.SSLContext:
        return switching_context(published.current().ssl_context, lambda: published.current().ssl_context)

    config = uvicorn.Config(
        build_app(platform),
        host=platform.config.host,
        port=platform.config.port if port is None else port,
        http=HTTP_PROTOCOL,
        ssl_context_factory=context_factory,
        lifespan="off",
        log_level=log_level,
        access_log=False,
        timeout_keep_alive=30,
    )
    return uvicorn.Server(config)

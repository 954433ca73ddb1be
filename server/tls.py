"""TLS for the platform: mandatory client certificates checked against the latest CRL, and the verified peer
certificate handed to the ASGI application.

uvicorn does not put the peer certificate in the ASGI scope. ``PeerCertificateH11Protocol`` is uvicorn's h11
protocol with one addition: when a connection is made (asyncio calls ``connection_made`` only after the TLS
handshake, so the certificate has been verified by OpenSSL by then) it reads
``ssl_object.getpeercert(binary_form=True)`` and wraps the application for that connection so that every request's
scope carries the ASGI TLS extension (``scope["extensions"]["tls"]["client_cert_chain"]``, PEM, leaf first), as
hypercorn does. Nothing else of uvicorn changes.

CRL reload: the listening socket keeps the ``SSLContext`` it was created with, so ``sni_callback`` (which OpenSSL
calls for every handshake, with or without SNI) switches each new connection to the current context, rebuilt
whenever the office publishes a new CRL.
"""

from __future__ import annotations

import ssl
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.sync.packet.published import load_crls

TLS_EXTENSION = "tls"
_NO_CHECK_TIME = 0x200000  # X509_V_FLAG_NO_CHECK_TIME (OpenSSL 1.1.0+), not named by the ssl module


def server_ssl_context(
    certificate: Path, key: Path, roots: Path, crl_pem: bytes, intermediates: Path | None = None
) -> ssl.SSLContext:
    """A TLS 1.2+ server context that requires a client certificate chaining to ``roots`` and not in the CRL."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate, key)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cafile=str(roots))
    if intermediates is not None:
        context.load_verify_locations(cafile=str(intermediates))
    # OpenSSL reads CRLs only from a file (cadata takes certificates only); LEAF: the terminal must not be revoked.
    bundle = b"".join(crl.public_bytes(serialization.Encoding.PEM) for crl in load_crls(crl_pem))
    with tempfile.TemporaryDirectory(prefix="lianjie-crl-") as folder:
        crl_file = Path(folder) / "crl.pem"
        crl_file.write_bytes(bundle)
        context.load_verify_locations(cafile=str(crl_file))
    # OpenSSL refuses every handshake once a CRL is past its next update, with no grace: the office publishing a
    # day late would shut every terminal out, while the application (like the terminals) allows 24 hours. So TLS
    # checks the chain and revocation without times; the application checks both, times included, on every request.
    context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF | _NO_CHECK_TIME
    return context


def switching_context(initial: ssl.SSLContext, current: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    """``initial`` with an SNI hook that moves each handshake onto ``current()`` (the freshest CRL)."""

    def choose(ssl_object: ssl.SSLObject, _server_name: str | None, _context: ssl.SSLContext) -> None:
        ssl_object.context = current()

    initial.sni_callback = choose  # type: ignore[assignment]
    return initial


def _with_tls_extension(app: Any, tls: dict[str, Any]) -> Any:
    async def app_with_peer(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            extensions = dict(scope.get("extensions") or {})
            extensions[TLS_EXTENSION] = tls
            scope = {**scope, "extensions": extensions}
        await app(scope, receive, send)

    return app_with_peer


class PeerCertificateH11Protocol(H11Protocol):  # type: ignore[misc]
    """uvicorn's h11 protocol, plus the ASGI TLS extension carrying the verified client certificate."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is None:
            return  # plain HTTP: no extension; the application refuses such requests
        der = ssl_object.getpeercert(binary_form=True)
        chain = [ssl.DER_cert_to_PEM_cert(der)] if der else []
        cipher = ssl_object.cipher()
        self.app = _with_tls_extension(
            self.config.loaded_app,
            {
                "server_cert": None,
                "client_cert_chain": chain,
                "client_cert_name": None,
                "client_cert_error": None,
                "tls_version": None,
                "cipher_suite": None,
                "tls_version_name": ssl_object.version(),
                "cipher_name": cipher[0] if cipher else None,
            },
        )


def peer_certificate(scope: Mapping[str, Any]) -> x509.Certificate | None:
    """The verified client certificate of this request's connection, or None."""
    tls = (scope.get("extensions") or {}).get(TLS_EXTENSION)
    if not tls or not tls.get("client_cert_chain"):
        return None
    return x509.load_pem_x509_certificate(tls["client_cert_chain"][0].encode("ascii"))

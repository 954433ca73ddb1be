"""The raw HTTPS baseline of bench/sync.py: the platform's own TLS context and HTTP protocol in front of an
endpoint that only reads the body (run in its own process by ``bench/sync.py --raw-server CONFIG PORT``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def raw_server(config: Path, port: int) -> None:
    """The baseline: the platform's TLS and HTTP protocol, an endpoint that only reads the body."""
    import uvicorn

    from server.config import load_platform_config
    from server.published import CRL, PUBLICATIONS
    from server.runner import HTTP_PROTOCOL
    from server.tls import server_ssl_context

    cfg = load_platform_config(config)
    crl = (cfg.published_dir / PUBLICATIONS[CRL][0]).read_bytes()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})

    server_config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http=HTTP_PROTOCOL,
        lifespan="off",
        log_level="warning",
        access_log=False,
        ssl_context_factory=lambda _c, _d: server_ssl_context(
            cfg.tls_certificate, cfg.tls_key, cfg.roots, crl, cfg.intermediates
        ),
    )
    uvicorn.Server(server_config).run()

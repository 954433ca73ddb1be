"""The embedded platform: a real ``server`` instance (the same ASGI app and uvicorn as ``lianjie-platform serve``)
on loopback TLS in a background thread, with the demo CRL and the office-signed agency directory published."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.demo.agencies import DEMO_AGENCIES, OFFICE
from app.demo.pki import DemoPki
from app.sync.packet.published import AGENCY_DIRECTORY, sign_document
from server.config import load_platform_config
from server.published import publish
from server.runner import build_server, open_platform

START_TIMEOUT_S = 20.0


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def directory_json() -> bytes:
    """The agency directory the office publishes: code, name and kind of every member."""
    rows = [{"code": a.code, "name": a.name, "kind": str(a.agency.kind)} for a in DEMO_AGENCIES]
    rows.append({"code": OFFICE.code, "name": OFFICE.name, "kind": str(OFFICE.kind)})
    return json.dumps({"agencies": rows}, ensure_ascii=False).encode("utf-8")


def write_platform_config(pki: DemoPki, folder: Path) -> Path:
    """The platform's configuration folder: TLS and receipt certificates, trust, CRL and directory published."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "root.pem").write_bytes(pki.root_pem)
    pki.server(folder)
    signer, _, _ = pki.receipt_signer(folder)
    config = folder / "platform.toml"
    config.write_text(
        f"""[platform]
name = "两法衔接平台（演示）"
data_dir = "data"
host = "127.0.0.1"
port = 0

[tls]
certificate = "server.pem"
key = "server.key"

[trust]
roots = "root.pem"
office_code = "{OFFICE.code}"

[receipts]
certificate = "receipt.pem"
key = "receipt.key"
""",
        encoding="utf-8",
    )
    loaded = load_platform_config(config)
    loaded.published_dir.mkdir(parents=True, exist_ok=True)
    publish(loaded, "crl", pki.crl_pem_path.read_bytes())
    directory = sign_document(signer, doc_type=AGENCY_DIRECTORY, version=1, content=directory_json())
    publish(loaded, AGENCY_DIRECTORY, directory)
    return config


@dataclass
class EmbeddedPlatform:
    """A running platform; ``stop()`` shuts uvicorn down and closes the store."""

    url: str
    config: Path
    _server: Any
    _thread: threading.Thread
    _platform: Any

    @classmethod
    def start(cls, config: Path) -> EmbeddedPlatform:
        platform = open_platform(load_platform_config(config))
        port = free_port()
        server = build_server(platform, port=port)
        thread = threading.Thread(target=server.run, name="demo-platform", daemon=True)
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("演示平台未能启动")
            time.sleep(0.02)
        return cls(f"https://127.0.0.1:{port}", config, server, thread, platform)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._platform.writer.close()
        self._platform.store.engine.dispose()
        self._platform.store.reader.dispose()

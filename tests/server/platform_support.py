"""A real platform on loopback TLS for the tests: real certificates, real uvicorn, SQLite or PostgreSQL.

``PlatformPki`` makes the CA, the server and receipt certificates and one terminal per agency; ``write_platform``
lays out a configuration folder and publishes the CRL and the office-signed agency directory; ``RunningPlatform``
runs uvicorn in a thread (``in_thread``) or the ``lianjie-platform`` command in a subprocess (``start_process``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509

from app.crypto.keys import SoftwareKey
from app.sync.packet.published import AGENCY_DIRECTORY, sign_document
from app.sync.platform_client import PlatformClient, TerminalCredentials
from server.config import load_platform_config
from server.published import publish
from server.runner import build_server, open_platform
from tests.sync.packet_support import PacketWorld, PrivateKey, make_root, make_world, write_key, write_pem

ROOT_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PlatformPki:
    """The world of packet tests plus TLS identities: terminals of each agency, a revoked one, a foreign one."""

    world: PacketWorld
    server: tuple[PrivateKey, x509.Certificate]
    receipt_signer: SoftwareKey
    terminals: dict[str, tuple[PrivateKey, x509.Certificate]] = field(default_factory=dict)

    def credentials(self, name: str) -> TerminalCredentials:
        key, cert = self.terminals[name]
        return TerminalCredentials(cert, key)


def make_pki() -> PlatformPki:
    world = make_world("ec")
    root = world.root
    pki = PlatformPki(
        world=world,
        server=root.issue_server("127.0.0.1"),
        receipt_signer=root.issue_operator("平台回执签章", world.office_code, "两法衔接领导小组办公室", "PLATFORM-1"),
    )
    for name, code in (
        ("enforcement", world.enforcement_code),
        ("police", world.police_code),
        ("other", world.other_code),
        ("procuratorate", world.procuratorate_code),
        ("office", world.office_code),
        ("revoked", world.police_code),
    ):
        pki.terminals[name] = root.issue_terminal(f"{name}-终端", code)
    pki.terminals["foreign"] = make_root("外部CA").issue_terminal("外部终端", world.enforcement_code)
    root.revoke(pki.terminals["revoked"][1])
    return pki


def write_platform(pki: PlatformPki, folder: Path, database_url: str = "") -> Path:
    """A configuration folder with every file the platform needs; returns the config path."""
    folder.mkdir(parents=True, exist_ok=True)
    world = pki.world
    write_pem(folder / "root.pem", world.root.certificate)
    write_pem(folder / "intermediates.pem", world.intermediate.certificate)
    write_pem(folder / "server.pem", pki.server[1])
    write_key(folder / "server.key", pki.server[0])
    write_pem(folder / "receipt.pem", pki.receipt_signer.certificate)
    write_key(folder / "receipt.key", pki.receipt_signer._key)
    config = folder / "platform.toml"
    config.write_text(
        f"""
[platform]
name = "测试平台"
data_dir = "data"
database_url = "{database_url}"
host = "127.0.0.1"
port = 0
max_packet_bytes = 8388608

[tls]
certificate = "server.pem"
key = "server.key"

[trust]
roots = "root.pem"
intermediates = "intermediates.pem"
office_code = "{world.office_code}"

[receipts]
certificate = "receipt.pem"
key = "receipt.key"
""",
        encoding="utf-8",
    )
    loaded = load_platform_config(config)
    publish_crl(pki, config)
    directory = sign_document(
        world.office_operator, doc_type=AGENCY_DIRECTORY, version=1, content=world.directory_json()
    )
    publish(loaded, AGENCY_DIRECTORY, directory)
    return config


def publish_crl(pki: PlatformPki, config: Path) -> None:
    loaded = load_platform_config(config)
    loaded.published_dir.mkdir(parents=True, exist_ok=True)
    publish(loaded, "crl", pki.world.root.crl_pem() + pki.world.intermediate.crl_pem())


@dataclass
class RunningPlatform:
    """A platform answering on ``url``; ``client(name)`` connects as that terminal."""

    url: str
    pki: PlatformPki
    config: Path
    stop: Any = None
    process: subprocess.Popen[bytes] | None = None

    def client(self, name: str, **kwargs: float) -> PlatformClient:
        return PlatformClient(self.url, self.pki.credentials(name), [self.pki.world.root.certificate], **kwargs)


def in_thread(pki: PlatformPki, config: Path, *, drop_schema: bool = False) -> tuple[RunningPlatform, object]:
    """Start the platform in this process; returns it and the uvicorn server (set ``should_exit`` to stop)."""
    platform = open_platform(load_platform_config(config), create_schema=False)
    if drop_schema:
        platform.store.drop_schema()
    platform.store.create_schema()
    port = free_port()
    server = build_server(platform, port=port)
    thread = threading.Thread(target=server.run, name="platform", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("platform did not start")
        time.sleep(0.02)
    running = RunningPlatform(f"https://127.0.0.1:{port}", pki, config)
    running.stop = (server, thread, platform)
    return running, server


def stop_thread(running: RunningPlatform) -> None:
    server, thread, platform = running.stop
    server.should_exit = True
    thread.join(timeout=10)
    platform.writer.close()
    platform.store.engine.dispose()
    platform.store.reader.dispose()


def start_process(pki: PlatformPki, config: Path, port: int) -> RunningPlatform:
    """Run ``lianjie-platform serve`` as a child process and wait until it accepts TLS connections."""
    env = {**os.environ, "PYTHONPATH": str(ROOT_DIR)}
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--config", str(config), "--port", str(port)],
        cwd=ROOT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    running = RunningPlatform(f"https://127.0.0.1:{port}", pki, config, process=process)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"platform exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return running
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("platform did not start") from None
            time.sleep(0.05)

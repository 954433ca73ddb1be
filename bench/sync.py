"""Sync throughput through the real platform over mutual TLS, against a raw HTTPS upload of the same bytes.

Prints packets/s for: push (upload + platform verification + storage + signed receipt), pull+verify (inbox pages,
download, packet and receipt verification on the terminal; apply comes with the sync engine), and raw HTTPS (the
same bytes PUT to an ASGI endpoint that only reads them, same TLS settings). Figures only; never pass/fail.

    .venv/bin/python bench/sync.py [--count 10000] [--workers 4] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.sync.packet import (  # noqa: E402
    AgencyDirectory,
    Attachment,
    BuiltPacket,
    ChainValidator,
    PacketVerifier,
    build_packet,
    verify_receipt,
)
from app.sync.platform_client import PlatformClient  # noqa: E402
from tests.server.platform_support import (  # noqa: E402
    PlatformPki,
    RunningPlatform,
    free_port,
    make_pki,
    start_process,
    write_platform,
)


def build_packets(pki: PlatformPki, count: int) -> list[BuiltPacket]:
    world = pki.world
    payload = {"说明": "案情" * 5000, "金额_分": 12_345_600}  # ~20 KB of UTF-8
    packets = []
    for i in range(count):
        attachment = Attachment("附件.pdf", "application/pdf", os.urandom(100 * 1024))
        packets.append(
            build_packet(
                world.enforcement_operator,
                kind="transfer.sent",
                case_id=f"BENCH-{i}",
                recipients=[world.police_code],
                payload=payload,
                attachments=[attachment],
            )
        )
    return packets


def timed(label: str, count: int, work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    print(f"{label:<28} {count:>6} packets in {elapsed:7.2f} s = {rate:8.1f} packets/s", flush=True)
    return rate


def in_parallel(
    workers: int,
    make_client: Callable[[], PlatformClient],
    items: Sequence[Any],
    job: Callable[[PlatformClient, Any], None],
) -> None:
    chunks = [items[i::workers] for i in range(workers)]

    def run(chunk: Sequence[Any]) -> None:
        with make_client() as client:
            for item in chunk:
                job(client, item)

    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(run, chunk) for chunk in chunks]:
            future.result()


def push(running: RunningPlatform, packets: list[BuiltPacket], workers: int) -> None:
    def job(client: PlatformClient, packet: BuiltPacket) -> None:
        client.upload(packet.packet_id, packet.data)

    in_parallel(workers, lambda: running.client("enforcement"), packets, job)


def pull_and_verify(running: RunningPlatform, pki: PlatformPki, workers: int, expected: int) -> None:
    world = pki.world
    directory = AgencyDirectory.from_json(world.directory_json())
    items: list[Any] = []
    with running.client("police") as client:
        cursor = 0
        while True:
            page = client.inbox(after=cursor, limit=500)
            items.extend(page.items)
            cursor = page.cursor
            if not page.more:
                break
    assert len(items) == expected, (len(items), expected)
    verifiers: dict[int, PacketVerifier] = {}

    def job(client: PlatformClient, item: Any) -> None:
        import threading

        verifier = verifiers.setdefault(
            threading.get_ident(), PacketVerifier(ChainValidator([world.root.certificate], world.crls()), directory)
        )
        receipt = verify_receipt(
            item.receipt_json,
            item.receipt_signature,
            verifier.validator,
            platform_agency=world.office_code,
            packet_id=item.packet_id,
        )
        verifier.verify(client.download(item.packet_id), at=receipt.received_at)

    in_parallel(workers, lambda: running.client("police"), items, job)


def raw_server(config: Path, port: int) -> None:
    """The baseline: same TLS (client certificate required, CRL), an endpoint that only reads the body."""
    import uvicorn

    from server.config import load_platform_config
    from server.published import CRL, PUBLICATIONS
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
        http="h11",
        lifespan="off",
        log_level="warning",
        access_log=False,
        ssl_context_factory=lambda _c, _d: server_ssl_context(
            cfg.tls_certificate, cfg.tls_key, cfg.roots, crl, cfg.intermediates
        ),
    )
    uvicorn.Server(server_config).run()


def raw_push(url: str, pki: PlatformPki, packets: list[BuiltPacket], workers: int) -> None:
    def job(client: PlatformClient, packet: BuiltPacket) -> None:
        client._http.put(f"/raw/{packet.packet_id}", content=packet.data).raise_for_status()

    in_parallel(
        workers, lambda: PlatformClient(url, pki.credentials("enforcement"), [pki.world.root.certificate]), packets, job
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--raw-server", nargs=2, metavar=("CONFIG", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.raw_server:
        raw_server(Path(args.raw_server[0]), int(args.raw_server[1]))
        return 0
    pki = make_pki()
    with tempfile.TemporaryDirectory(prefix="lianjie-bench-") as folder:
        config = write_platform(pki, Path(folder) / "platform", args.database_url)
        print(f"building {args.count} packets (20 KB payload + 100 KB attachment, ECDSA P-256) …", flush=True)
        started = time.perf_counter()
        packets = build_packets(pki, args.count)
        print(
            f"built in {time.perf_counter() - started:.1f} s; {sum(len(p.data) for p in packets) / 1e6:.0f} MB",
            flush=True,
        )
        raw_port = free_port()
        raw = subprocess.Popen([sys.executable, __file__, "--raw-server", str(config), str(raw_port)], cwd=ROOT)
        running = start_process(pki, config, free_port())
        try:
            time.sleep(1.0)
            raw_url = f"https://127.0.0.1:{raw_port}"
            raw_rate = timed("raw HTTPS upload", len(packets), lambda: raw_push(raw_url, pki, packets, args.workers))
            push_rate = timed("push (platform)", len(packets), lambda: push(running, packets, args.workers))
            pull_rate = timed(
                "pull + verify",
                len(packets),
                lambda: pull_and_verify(running, pki, args.workers, len(packets)),
            )
            end_to_end = 1 / (1 / push_rate + 1 / pull_rate)
            print(f"{'end-to-end (push then pull)':<28} {end_to_end:8.1f} packets/s (target ≥ 300)")
            print(f"{'push / raw':<28} {push_rate / raw_rate:8.2f} (target ≥ 0.5)")
            print(
                f"at {dt.datetime.now().isoformat(timespec='seconds')}, workers={args.workers}, cpus={os.cpu_count()}"
            )
        finally:
            for process in (raw, running.process):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

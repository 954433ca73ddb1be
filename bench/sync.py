"""Sync throughput through the real platform over mutual TLS, against a raw HTTPS upload of the same bytes.

Figures (packets/s), each measured in the same invocation, against the same loopback TLS settings:

* raw HTTPS upload — each packet's bytes PUT alone to an ASGI endpoint that only reads them (same uvicorn protocol
  class, client certificate and CRL check as the platform): the transport ceiling the issue names. Also printed:
  the same bytes in the same 64-packet framed bodies as the push (``raw HTTPS, 64/request``).
* push — the sending terminal uploads in batches of 64 (protocol 1.2, as the sync engine pushes its outbox); the
  platform verifies every packet in full, stores it durably (group commit, ``synchronous=FULL``) and answers with
  a signed receipt per packet.
* pull+verify+apply — the receiving terminal, a separate process (it is another machine in real life), is the sync
  engine's own ``Puller``/``Receiver``/``Applier`` (bench/sync_receiver.py): batch downloads fetched ahead, each
  receipt and packet verified in full, each transfer applied to a real SQLCipher store (the case rebuilt from the
  packet's records, the attachment kept as an encrypted blob, the audit chain extended), a page per transaction.
  Packets are real transfers of suspected crimes (bench/sync_packets.py).
* end-to-end — a fresh set of packets pushed by the sender while the receiver pulls, verifies and applies at the
  same time, as two terminals do: packets / (first upload → last packet applied). Also printed: the sequential
  figure 1 / (1/push + 1/pull), the rate if the two never overlapped.

Medians: ``--runs`` runs of ``--median-count`` packets, then one run of ``--count`` (default 10,000; a single run,
so its figures are not medians). Figures only: the bench never fails on a target or on time.

    .venv/bin/python bench/sync.py [--count 10000] [--median-count 1000] [--runs 3] [--workers 4]
                                   [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from app.sync.platform_batch import batch_body  # noqa: E402
from app.sync.platform_client import PlatformClient, UploadResult  # noqa: E402
from bench.sync_packets import BenchPacket, build_packets  # noqa: E402
from bench.sync_raw import raw_server  # noqa: E402
from bench.sync_receiver import ReceiverLauncher  # noqa: E402
from tests.server.platform_support import (  # noqa: E402
    PlatformPki,
    RunningPlatform,
    free_port,
    make_pki,
    start_process,
    write_platform,
)

PUSH_BATCH = 64


def in_parallel(
    workers: int, make_client: Callable[[], PlatformClient], items: Sequence[Any], job: Callable[[Any, Any], None]
) -> None:
    """``job(client, item)`` over ``items`` on ``workers`` threads, each with its own keep-alive connection."""

    def run(chunk: Sequence[Any]) -> None:
        with make_client() as client:
            for item in chunk:
                job(client, item)

    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(run, items[i::workers]) for i in range(workers)]:
            future.result()


def batches(packets: list[BenchPacket]) -> list[list[tuple[Any, bytes]]]:
    """The packets as the sync engine pushes them: ``PUSH_BATCH`` per request (protocol 1.2)."""
    pairs = [(p.packet_id, p.data) for p in packets]
    return [pairs[i : i + PUSH_BATCH] for i in range(0, len(pairs), PUSH_BATCH)]


def push(make_client: Callable[[], PlatformClient], packets: list[BenchPacket], workers: int) -> None:
    """Batch uploads; every packet must come back with its receipt."""

    def job(client: PlatformClient, batch: list[tuple[Any, bytes]]) -> None:
        refused = [o for o in client.upload_batch(batch) if not isinstance(o, UploadResult)]
        if refused:
            raise RuntimeError(f"{len(refused)} packets refused: {refused[0]}")

    in_parallel(workers, make_client, batches(packets), job)


def raw_push(make_client: Callable[[], PlatformClient], packets: list[BenchPacket], workers: int) -> None:
    """The baseline the issue names: each packet's bytes PUT alone."""

    def job(client: PlatformClient, packet: BenchPacket) -> None:
        client._http.put(f"/raw/{packet.packet_id}", content=packet.data).raise_for_status()

    in_parallel(workers, make_client, packets, job)


def raw_push_batched(make_client: Callable[[], PlatformClient], packets: list[BenchPacket], workers: int) -> None:
    """The same bytes in the same framed bodies as ``push``: the transport ceiling of batched uploads."""

    def job(client: PlatformClient, batch: list[tuple[Any, bytes]]) -> None:
        client._http.put("/raw/batch", content=batch_body(batch)).raise_for_status()

    in_parallel(workers, make_client, batches(packets), job)


@dataclass
class Bench:
    pki: PlatformPki
    platform: RunningPlatform
    raw_url: str
    folder: Path
    workers: int
    raw_pid: int
    receivers: ReceiverLauncher
    cursor: int = 0
    runs: int = 0

    @property
    def platform_pid(self) -> int:
        assert self.platform.process is not None
        return self.platform.process.pid

    def client(self, url: str) -> PlatformClient:
        return PlatformClient(url, self.pki.credentials("enforcement"), [self.pki.world.root.certificate])

    def run(self, count: int, *, separate: bool = True) -> dict[str, float]:
        """Every figure on ``count`` fresh packets. ``separate``: push and pull each alone first, then the concurrent
        run on a second set; otherwise (the long run) only raw and the concurrent run, whose push and pull figures
        are then those of the sender and the receiver while both run."""
        self.runs += 1
        tag, url = f"r{self.runs}", self.platform.url
        figures: dict[str, float] = {}
        progress(f"run {self.runs}: building {2 if separate else 1} × {count} packets")
        first = build_packets(self.pki, count, f"{tag}a")
        concurrent = build_packets(self.pki, count, f"{tag}b") if separate else first
        self.timed_push("raw", self.raw_url, self.raw_pid, first, figures)
        self.timed_push("raw_batched", self.raw_url, self.raw_pid, first, figures)
        if separate:
            self.timed_push("push", url, self.platform_pid, first, figures)
            progress("pull")
            platform_cpu = cpu_seconds(self.platform_pid)
            report = self.receive(f"{tag}-pull", count)
            figures["pull"] = report.get("applied", 0) / max(report.get("ended", 0) - report.get("began", 0), 1e-9)
            figures["cpu pull: receiver"] = report.get("cpu", 0) / count * 1000
            figures["cpu pull: server"] = (cpu_seconds(self.platform_pid) - platform_cpu) / count * 1000
        progress("end-to-end")
        self.receivers.start(url, self.folder / f"{tag}-e2e", self.cursor, count)
        began, cpu = time.monotonic(), (time.process_time(), cpu_seconds(self.platform_pid))
        pushed = timed(lambda: push(lambda: self.client(url), concurrent, self.workers))
        report = self.receivers.finish()
        self.cursor = int(report.get("cursor", self.cursor))
        figures["e2e"] = report.get("applied", 0) / max(report.get("ended", began) - began, 1e-9)
        # While both run: the sender's push, the platform's uploads and serving together, the receiver's pull.
        figures["cpu e2e: sender"] = (time.process_time() - cpu[0]) / count * 1000
        figures["cpu e2e: platform"] = (cpu_seconds(self.platform_pid) - cpu[1]) / count * 1000
        figures["cpu e2e: receiver"] = report.get("cpu", 0) / count * 1000
        if not separate:
            figures["push"], figures["pull"] = count / pushed, figures["e2e"]
        figures["e2e_sequential"] = 1 / (1 / figures["push"] + 1 / figures["pull"])
        return figures

    def timed_push(self, key: str, url: str, pid: int, packets: list[BenchPacket], figures: dict[str, float]) -> None:
        progress(key)
        count, cpu = len(packets), (time.process_time(), cpu_seconds(pid))
        work = {"raw": raw_push, "raw_batched": raw_push_batched}.get(key, push)
        figures[key] = count / timed(lambda: work(lambda: self.client(url), packets, self.workers))
        figures[f"cpu {key}: sender"] = (time.process_time() - cpu[0]) / count * 1000
        figures[f"cpu {key}: server"] = (cpu_seconds(pid) - cpu[1]) / count * 1000

    def receive(self, name: str, count: int) -> dict[str, Any]:
        self.receivers.start(self.platform.url, self.folder / name, self.cursor, count)
        report = self.receivers.finish()
        self.cursor = int(report.get("cursor", self.cursor))
        return report


def progress(phase: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')} {phase}]", file=sys.stderr, flush=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), to show where the work goes on a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


LABELS = {
    "raw": "raw HTTPS upload",
    "raw_batched": f"raw HTTPS, {PUSH_BATCH}/request",
    "push": "push (platform)",
    "pull": "pull+verify+apply",
    "e2e": "end-to-end (concurrent)",
    "e2e_sequential": "end-to-end (sequential)",
}


def report(title: str, figures: dict[str, float]) -> None:
    print(title, flush=True)
    for key, label in LABELS.items():
        print(f"  {label:<26} {figures[key]:8.1f} packets/s")
    print(f"  {'ratio push/raw':<26} {figures['push'] / figures['raw']:8.2f}   (target ≥ 0.5)")
    print(f"  {'ratio push/raw batched':<26} {figures['push'] / figures['raw_batched']:8.2f}")
    print(f"  {'ratio e2e/raw':<26} {figures['e2e'] / figures['raw']:8.2f}   (target ≥ 0.5; e2e target ≥ 300/s)")
    print(f"  {'ratio e2e seq/raw':<26} {figures['e2e_sequential'] / figures['raw']:8.2f}")
    cpu = ", ".join(f"{key[4:]} {value:.2f}" for key, value in figures.items() if key.startswith("cpu "))
    print(f"  CPU ms per packet: {cpu}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="packets of the full run (0: none)")
    parser.add_argument("--median-count", type=int, default=1_000, help="packets of each median run")
    parser.add_argument("--runs", type=int, default=3, help="median runs (0: none)")
    parser.add_argument("--workers", type=int, default=4, help="upload threads of the sending terminal")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--raw-server", nargs=2, metavar=("CONFIG", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.raw_server:
        raw_server(Path(args.raw_server[0]), int(args.raw_server[1]))
        return 0
    pki = make_pki()
    receivers = ReceiverLauncher(pki)  # first: forked while this process runs no other thread
    with tempfile.TemporaryDirectory(prefix="lianjie-bench-") as folder:
        config = write_platform(pki, Path(folder) / "platform", args.database_url)
        raw_port = free_port()
        raw = subprocess.Popen([sys.executable, __file__, "--raw-server", str(config), str(raw_port)], cwd=ROOT)
        running = start_process(pki, config, free_port())
        try:
            time.sleep(1.0)
            bench = Bench(pki, running, f"https://127.0.0.1:{raw_port}", Path(folder), args.workers, raw.pid, receivers)
            print(f"loadavg before: {os.getloadavg()[0]:.2f}; cpus={os.cpu_count()}; workers={args.workers}")
            if args.runs > 0 and args.median_count > 0:
                runs = [bench.run(args.median_count) for _ in range(args.runs)]
                medians = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                report(f"median of {args.runs} runs of {args.median_count} packets:", medians)
            if args.count > 0:
                title = f"one run of {args.count} packets (not a median; push and pull measured while both run):"
                report(title, bench.run(args.count, separate=False))
            print(f"at {dt.datetime.now().isoformat(timespec='seconds')}, loadavg after: {os.getloadavg()[0]:.2f}")
        finally:
            receivers.close()
            for process in (raw, running.process):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

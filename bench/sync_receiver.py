"""The bench's receiving terminal: the sync engine's own pull, verification and apply, in a process of its own.

A police terminal with a real SQLCipher store (migrated, ``synchronous=FULL``), the trust it fetched from the
platform (CRL, directory), and the engine's ``Puller``/``Receiver``/``Applier``: batch downloads fetched ahead,
receipt and packet verified in full, each transfer applied (the case rebuilt from the packet's records, the packet
kept in its part's encrypted pack, the audit chain extended), parts of 32 packets per transaction with the cursor.
Its CPU figure is that of the pull, from the first request to the last packet applied (not the store's creation).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import secrets
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.config import TerminalConfig
from app.models.store import open_store
from app.models.tables import Case
from app.sync.apply import Applier
from app.sync.engine_pull import Puller
from app.sync.engine_receive import Receiver
from app.sync.inbox import cursor, set_cursor
from app.sync.platform_client import PlatformClient
from tests.server.platform_support import PlatformPki
from tests.sync.test_engine_support import trust_source_for

DEADLINE_S = 900.0  # a stuck platform ends the receiver with what it has, never the bench


class ReceiverLauncher:
    """Starts each receiver from a process forked before the bench ran any thread.

    A process forked right after a thread pool finished may copy a lock that an exiting thread still held: OpenSSL's
    per-thread cleanup runs after ``Thread.join`` returns. The receiver forked from the bench itself then hung for
    good in its first TLS read (``SSL_get_error`` → ``CRYPTO_THREAD_write_lock``), once in a few runs. The launcher
    never runs a second thread, so a fork of it is clean; it inherits the PKI objects (keys do not pickle)."""

    def __init__(self, pki: PlatformPki) -> None:
        context = multiprocessing.get_context("fork")
        self._ours, theirs = context.Pipe()
        self._process = context.Process(target=_launch, args=(pki, theirs))  # not a daemon: it has children
        self._process.start()

    def start(self, url: str, folder: Path, after: int, expected: int) -> None:
        """Start a receiver; return once it is ready to pull (or after 60 s)."""
        self._ours.send((url, folder, after, expected))
        if self._ours.poll(60):
            self._ours.recv()  # "started"

    def finish(self) -> dict[str, Any]:
        """The report of the receiver started last ({} if it sent none in time)."""
        report: dict[str, Any] = self._ours.recv() if self._ours.poll(DEADLINE_S + 120) else {}
        return report

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._ours.send(None)
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()


def _launch(pki: PlatformPki, requests: Connection) -> None:
    """The launcher: for each request a fresh receiver process, its start and its report passed back."""
    context = multiprocessing.get_context("fork")
    while (request := requests.recv()) is not None:
        ours, theirs = context.Pipe()
        started = context.Event()
        process = context.Process(target=receive, args=(pki, *request, theirs, started))
        process.start()
        started.wait(60)
        requests.send("started")
        requests.send(ours.recv() if ours.poll(DEADLINE_S + 60) else {})
        process.join(30)


def receive(pki: PlatformPki, url: str, folder: Path, after: int, expected: int, results: Any, started: Any) -> None:
    """Child process: pull from ``after`` until ``expected`` packets are received; report times and counts."""
    world = pki.world
    store = open_store(TerminalConfig(data_dir=folder / "store"), secrets.token_bytes(32), create=True)
    store.write(lambda s: set_cursor(s, after))
    trust_source = trust_source_for(pki, folder)
    counts = dict.fromkeys(("received", "applied", "duplicates", "quarantined", "deferred"), 0)
    with PlatformClient(url, pki.credentials("police"), [world.root.certificate]) as client:
        trust_source.refresh(store, client)
        trust = trust_source.load(store)
        applier = Applier(world.police_code, "bench-police", store.blobs, trust.sender_kinds())
        receiver = Receiver(store, trust, applier, "POL-001", lambda: dt.datetime.now(dt.UTC))
        puller = Puller(store, client, receiver, page_size=64)
        started.set()
        began, cpu_began = time.monotonic(), time.process_time()
        deadline = began + DEADLINE_S
        while counts["received"] < expected and time.monotonic() < deadline:
            pulled = puller.pull()
            for key, value in pulled.items():
                counts[key] += value
            if not pulled["received"]:
                time.sleep(0.005)
        ended = time.monotonic()
        cpu = time.process_time() - cpu_began
    cases = store.read(lambda s: s.scalar(select(func.count()).select_from(Case)))
    last = store.read(cursor)
    store.close()
    results.send({
        "began": began, "ended": ended, "applied": counts["applied"], "received": counts["received"],
        "quarantined": counts["quarantined"], "cases": cases, "cursor": last, "cpu": cpu,
    })  # fmt: skip

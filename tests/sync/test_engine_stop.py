"""Stopping the engine during a long pull, and the operator's session ending under it (``stop``, then the store
closed, as locking the terminal does). Real platform and stores; the link is made slow, nothing else."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from app.sync.engine import SyncEngine
from app.sync.inbox import cursor, inbox_entries, set_cursor
from app.sync.platform_client import InboxBatch, PlatformClient
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.sync.test_engine import transferred_case
from tests.sync.test_engine_support import Side


@pytest.fixture
def thread_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Exceptions that ended a thread (``threading.excepthook``)."""
    errors: list[str] = []
    monkeypatch.setattr(threading, "excepthook", lambda a: errors.append(f"{a.thread}: {a.exc_type.__name__}"))
    yield errors


def _slow_engine(agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform) -> tuple[SyncEngine, int]:
    """The police's engine on a slow link (a page of one packet every 0.3 s) with 6 transfers waiting, and its
    cursor before them (after what earlier tests left on the module's platform)."""
    credentials, roots = pki.credentials("police"), [pki.world.root.certificate]
    with PlatformClient(platform.url, credentials, roots) as probe:
        start = probe.inbox(after=0, limit=1000).cursor
    police.store.write(lambda session: set_cursor(session, start))
    for i in range(6):
        transferred_case(agency, pki, f"银兴市监立〔2026〕93{i}号")
    agency.engine.run_once()
    police.engine.trust_source.refresh(police.store, police.engine.connect())

    class Slow(PlatformClient):
        def inbox_packets(self, after: int, limit: int = 50, max_bytes: int | None = None) -> InboxBatch:
            time.sleep(0.3)
            return super().inbox_packets(after, 1, max_bytes)

    return replace(police.engine, connect=lambda: Slow(platform.url, credentials, roots)), start


def _wait_until(condition: Callable[[], object], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def _engine_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name in ("sync-engine", "sync-prefetch")]


def test_stop_ends_a_long_pull_at_the_next_page_with_the_cursor_after_what_was_kept(
    agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform, thread_errors: list[str]
) -> None:
    engine, start = _slow_engine(agency, police, pki, platform)
    engine.start()
    _wait_until(lambda: police.store.read(inbox_entries), 20)  # the pull has kept its first packet
    started = time.monotonic()
    engine.stop(timeout=20)
    assert time.monotonic() - started < 3  # a page or two, not the rest of the inbox
    assert not _engine_threads() and not thread_errors
    held = {entry.packet_id for entry in police.store.read(inbox_entries)}
    with PlatformClient(platform.url, pki.credentials("police"), [pki.world.root.certificate]) as probe:
        listed = probe.inbox(after=start, limit=1000).items
    at = police.store.read(cursor)
    assert len(listed) == 6 and 1 <= len(held) < 6  # cut short
    assert all(str(item.packet_id) in held for item in listed if item.seq <= at)  # nothing skipped before the cursor


def test_a_store_closed_under_a_pass_ends_the_engine_quietly(
    agency: Side, police: Side, pki: PlatformPki, platform: RunningPlatform, thread_errors: list[str]
) -> None:
    engine, _start = _slow_engine(agency, police, pki, platform)
    engine.start()
    _wait_until(lambda: police.store.read(inbox_entries), 20)
    engine.stop(timeout=0.01)  # returns before the pass has ended
    police.store.close()  # the session ends: the pass meets a closed store
    for thread in _engine_threads():
        thread.join(15)
    assert not _engine_threads()
    assert not thread_errors  # the engine's thread ended, not died of StoreClosed

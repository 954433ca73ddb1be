"""The demo world: PKI, the embedded platform and the three agencies' terminals, under one folder.

Layout of the folder (the headless scenario's ``--out`` too)::

    pki/root.pem, pki/crl.pem   the platform root and its CRL (pki/ca/ holds the demo CA's files)
    platform/                   the platform's configuration, database and published files
    terminals/<agency-code>/    each terminal's data dir: config.toml, the SQLCipher store, key slots
    operators/<agency-code>/    the operators' PKCS#12 files (PIN 123456, public by design)
    keyrings/<agency-code>.json the development-file keyring of each terminal (demo only, not the OS keyring)
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from app.demo.agencies import DEMO_AGENCIES, DemoAgency
from app.demo.pki import DemoPki
from app.demo.platform import EmbeddedPlatform, write_platform_config
from app.demo.terminals import DemoTerminal, SyncTracker, build_terminal


@dataclass
class DemoWorld:
    """A built world; ``close()`` stops the platform."""

    root: Path
    pki: DemoPki
    platform: EmbeddedPlatform
    terminals: dict[str, DemoTerminal]  # by agency code
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(cls, root: Path, agencies: Sequence[DemoAgency] = DEMO_AGENCIES) -> DemoWorld:
        """PKI, platform and a terminal for each of ``agencies`` (the interactive demo adds the office's)."""
        started = time.monotonic()
        root.mkdir(parents=True, exist_ok=True)
        pki = DemoPki.create(root / "pki")
        platform = EmbeddedPlatform.start(write_platform_config(pki, root / "platform"))
        try:
            terminals = {a.code: build_terminal(root, pki, a, platform.url) for a in agencies}
        except BaseException:
            platform.stop()
            raise
        world = cls(root, pki, platform, terminals)
        world.timings["build"] = time.monotonic() - started
        return world

    def terminal(self, agency: DemoAgency) -> DemoTerminal:
        return self.terminals[agency.code]

    @contextmanager
    def kept_sessions(self, settle: Sequence[DemoAgency] | None = None) -> Iterator[None]:
        """Within the block an operator stays logged in between ``acting`` uses (one per terminal: one store, one
        session) and a terminal pulls only when another pushed since. At the end the terminals of ``settle``
        (default: all) pull until nobody pushes any more; the others pull when their window logs in."""
        tracker = SyncTracker()
        for terminal in self.terminals.values():
            terminal.kept, terminal.tracker, terminal.seen = {}, tracker, -1
        try:
            yield
            settling = [self.terminal(a) for a in settle] if settle is not None else list(self.terminals.values())
            while any(t.seen != tracker.generation for t in settling):
                for terminal in settling:
                    if terminal.seen != tracker.generation:
                        terminal.sync_now()
        finally:
            for terminal in self.terminals.values():
                terminal.release()

    def sync_all(self) -> None:
        """Every terminal pushes what it has queued and pulls what is addressed to it (twice: replies)."""
        for _ in range(2):
            for terminal in self.terminals.values():
                with terminal.acting():
                    pass

    def close(self) -> None:
        self.platform.stop()

"""Fixtures shared by the sync tests: one PKI and one platform (loopback TLS, in a thread) per test module, fresh
terminals of the enforcement agency and the police against it, and the packet tests' certificate world (ECDSA).
A module may define its own instead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.domain.agencies import AgencyKind
from app.sync.packet import Attachment, build_packet
from tests.server.platform_support import PlatformPki, RunningPlatform, in_thread, make_pki, stop_thread, write_platform
from tests.sync.packet_support import PacketWorld, make_world
from tests.sync.test_engine_support import Side, make_side


@pytest.fixture(scope="module")
def world() -> PacketWorld:
    return make_world("ec")


@pytest.fixture(scope="module")
def small_packet(world: PacketWorld) -> bytes:
    """A transfer packet of the enforcement agency to the police with one small attachment."""
    attachment = Attachment("笔录.txt", "text/plain", bytes(range(256)))
    return build_packet(
        world.enforcement_operator, kind="transfer.sent", case_id="C-1", recipients=[world.police_code],
        payload={"a": "b"}, attachments=[attachment],
    ).data  # fmt: skip


@pytest.fixture(scope="module")
def pki() -> PlatformPki:
    return make_pki()


@pytest.fixture(scope="module")
def platform(pki: PlatformPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    running, _server = in_thread(pki, write_platform(pki, tmp_path_factory.mktemp("platform")))
    yield running
    stop_thread(running)


@pytest.fixture
def agency(tmp_path: Path, pki: PlatformPki, platform: RunningPlatform) -> Iterator[Side]:
    side = make_side(tmp_path, pki, "enforcement", pki.world.enforcement_operator, AgencyKind.ENFORCEMENT, platform.url)
    yield side
    side.engine.stop()
    side.store.close()


@pytest.fixture
def police(tmp_path: Path, pki: PlatformPki, platform: RunningPlatform) -> Iterator[Side]:
    side = make_side(tmp_path, pki, "police", pki.world.police_operator, AgencyKind.POLICE, platform.url)
    yield side
    side.engine.stop()
    side.store.close()

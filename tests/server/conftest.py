"""Fixtures of the platform tests: one PKI per module, a running platform per backend (SQLite, PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.platform_support import PlatformPki, RunningPlatform, in_thread, make_pki, stop_thread, write_platform

PG_URL = os.environ.get("LIANJIE_TEST_PG_URL", "")
BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
]


def database_url(backend: str) -> str:
    if backend == "sqlite":
        return ""
    if not PG_URL:
        pytest.skip("LIANJIE_TEST_PG_URL is unset: run under scripts/with-postgres.sh (make test) for PostgreSQL")
    return PG_URL


@pytest.fixture(scope="module")
def pki() -> PlatformPki:
    return make_pki()


@pytest.fixture(scope="module", params=BACKENDS)
def platform(
    request: pytest.FixtureRequest, pki: PlatformPki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningPlatform]:
    url = database_url(request.param)
    folder: Path = tmp_path_factory.mktemp(f"platform-{request.param}")
    config = write_platform(pki, folder, url)
    running, _server = in_thread(pki, config, drop_schema=bool(url))
    yield running
    stop_thread(running)

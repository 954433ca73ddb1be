"""Fixtures of the store tests: a fresh terminal folder, a random master key, an open store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import TerminalConfig
from app.models.cases import NewCase
from app.models.store import Store, open_store

AGENCY = "91640104MA76A1B2C3"


class HiddenKey(bytes):
    """Key bytes that pytest's tracebacks show as a placeholder: secrets never reach the test output."""

    def __repr__(self) -> str:
        return "HiddenKey(<32 bytes>)"


def random_key() -> bytes:
    return HiddenKey(os.urandom(32))


@pytest.fixture
def master_key() -> bytes:
    return random_key()


@pytest.fixture
def config(tmp_path: Path) -> TerminalConfig:
    return TerminalConfig(data_dir=tmp_path / "terminal")


@pytest.fixture
def store(config: TerminalConfig, master_key: bytes) -> Iterator[Store]:
    with open_store(config, master_key, create=True) as opened:
        yield opened


def new_case(**overrides: object) -> NewCase:
    """A plausible case; override any field."""
    values: dict[str, object] = {
        "agency_code": AGENCY,
        "case_number": "兴市监罚〔2024〕12号",
        "title": "销售不合格食品案",
        "party_name": "银川某商贸有限公司",
        "party_id_number": "91640104MA76XY0Q5K",
        "case_type": "生产、销售不符合安全标准的食品",
        "stage": "立案",
        "amount_fen": 500000,
    }
    values.update(overrides)
    return NewCase(**values)  # type: ignore[arg-type]

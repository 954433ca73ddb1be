"""Opening the store: the key, damaged files, a second process, a newer schema, a full disk, the writer thread."""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.config import TerminalConfig
from app.models.cases import add_case, count_cases, list_cases
from app.models.engine import PAGE_SIZE
from app.models.errors import (
    StoreBusy,
    StoreCorrupt,
    StoreDiskFull,
    StoreKeyWrong,
    StoreMissing,
    StoreNotADatabase,
    StoreSchemaTooNew,
    StoreTruncated,
)
from app.models.store import Store, open_store
from app.models.tables import Case
from tests.models.conftest import new_case, random_key


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fill(store: Store, count: int) -> None:
    def add(session):  # type: ignore[no-untyped-def]
        for i in range(count):
            add_case(session, new_case(case_number=f"兴市监罚〔2024〕{i}号", title="案" * 200))

    store.write(add)


def test_a_new_store_opens_again_with_its_key(config: TerminalConfig, master_key: bytes) -> None:
    with open_store(config, master_key, create=True) as store:
        store.write(lambda s: add_case(s, new_case()))
    with open_store(config, master_key) as store:
        assert store.read(count_cases) == 1
        assert store.integrity_errors() == []
    assert config.store_path.stat().st_mode & 0o077 == 0


def test_a_missing_store_is_not_created_unless_asked(config: TerminalConfig, master_key: bytes) -> None:
    with pytest.raises(StoreMissing):
        open_store(config, master_key)
    assert not config.store_path.exists()


def test_wrong_key_is_refused_and_the_file_left_untouched(config: TerminalConfig, master_key: bytes) -> None:
    open_store(config, master_key, create=True).close()
    before = _digest(config.store_path)
    with pytest.raises(StoreKeyWrong) as caught:
        open_store(config, random_key())
    assert master_key.hex() not in str(caught.value)
    assert "密钥" in caught.value.for_operator()
    assert _digest(config.store_path) == before
    with open_store(config, master_key) as store:  # the right key still opens it
        assert store.read(count_cases) == 0


def test_a_plain_sqlite_file_is_not_a_store(config: TerminalConfig, master_key: bytes) -> None:
    config.data_dir.mkdir(parents=True)
    plain = sqlite3.connect(config.store_path)
    plain.execute("CREATE TABLE t (x)")
    plain.commit()
    plain.close()
    before = _digest(config.store_path)
    with pytest.raises(StoreNotADatabase):
        open_store(config, master_key, create=True)
    assert _digest(config.store_path) == before


@pytest.mark.parametrize("keep", [0, 100, PAGE_SIZE - 1, PAGE_SIZE + 7])
def test_a_truncated_header_is_reported_as_truncated(config: TerminalConfig, master_key: bytes, keep: int) -> None:
    with open_store(config, master_key, create=True) as store:
        _fill(store, 50)
    with config.store_path.open("r+b") as handle:
        handle.truncate(keep)
    before = _digest(config.store_path)
    with pytest.raises(StoreTruncated):
        open_store(config, master_key, create=True)
    assert _digest(config.store_path) == before


def test_a_store_cut_at_a_page_boundary_is_corrupt(config: TerminalConfig, master_key: bytes) -> None:
    with open_store(config, master_key, create=True) as store:
        _fill(store, 200)
    size = config.store_path.stat().st_size
    with config.store_path.open("r+b") as handle:
        handle.truncate(size // 2 // PAGE_SIZE * PAGE_SIZE)
    before = _digest(config.store_path)
    with pytest.raises(StoreCorrupt), open_store(config, master_key) as store:
        store.read(lambda s: list_cases(s, limit=500))
    assert _digest(config.store_path) == before


def test_a_corrupted_page_is_reported_and_nothing_is_overwritten(config: TerminalConfig, master_key: bytes) -> None:
    with open_store(config, master_key, create=True) as store:
        _fill(store, 200)
    data = bytearray(config.store_path.read_bytes())
    last_page = len(data) - PAGE_SIZE
    data[last_page + 100] ^= 0x01
    config.store_path.write_bytes(bytes(data))
    with pytest.raises(StoreCorrupt), open_store(config, master_key) as store:
        store.read(lambda s: s.execute(text("SELECT count(*), sum(length(title)) FROM cases")).one())
        store.read(lambda s: [r[0] for r in s.execute(text("PRAGMA integrity_check"))])
    assert config.store_path.read_bytes() == bytes(data)


def test_a_damaged_first_page_cannot_pass_as_a_store(config: TerminalConfig, master_key: bytes) -> None:
    open_store(config, master_key, create=True).close()
    data = bytearray(config.store_path.read_bytes())
    data[200] ^= 0xFF
    config.store_path.write_bytes(bytes(data))
    with pytest.raises(StoreKeyWrong):  # SQLCipher cannot tell this from a wrong key; the message says both
        open_store(config, master_key)
    assert config.store_path.read_bytes() == bytes(data)


def test_a_second_process_is_refused_while_the_store_is_open(store: Store, config: TerminalConfig) -> None:
    with pytest.raises(StoreBusy) as caught:
        open_store(config, random_key())
    assert "另一个程序" in caught.value.user_message


def test_a_store_from_a_newer_program_is_refused_untouched(config: TerminalConfig, master_key: bytes) -> None:
    with open_store(config, master_key, create=True) as store:
        store.write(lambda s: s.execute(text("UPDATE alembic_version SET version_num = 'r9999'")))
    before = _digest(config.store_path)
    with pytest.raises(StoreSchemaTooNew):
        open_store(config, master_key)
    assert _digest(config.store_path) == before


def test_a_full_disk_loses_only_the_failed_write(store: Store) -> None:
    store.write(lambda s: add_case(s, new_case(case_number="kept")))
    pages = store.write(lambda s: int(s.execute(text("PRAGMA page_count")).scalar_one()))
    # max_page_count makes SQLite answer SQLITE_FULL exactly as a full disk does.
    store.write(lambda s: s.execute(text(f"PRAGMA max_page_count = {pages + 2}")))
    with pytest.raises(StoreDiskFull) as caught:
        _fill(store, 300)
    assert "磁盘空间不足" in caught.value.user_message
    assert [c.case_number for c in store.read(list_cases).items] == ["kept"]
    store.write(lambda s: s.execute(text("PRAGMA max_page_count = 1073741823")))
    store.write(lambda s: add_case(s, new_case(case_number="after")))
    assert store.read(count_cases) == 2


def test_readers_cannot_write(store: Store) -> None:
    with pytest.raises(OperationalError, match="readonly"):
        store.read(lambda s: add_case(s, new_case()))


def test_live_orm_objects_do_not_leave_the_store(store: Store) -> None:
    store.write(lambda s: add_case(s, new_case()))
    with pytest.raises(TypeError):
        store.read(lambda s: s.query(Case).all())


def test_a_write_inside_a_write_is_refused(store: Store) -> None:
    with pytest.raises(RuntimeError):
        store.write(lambda s: store.write(lambda inner: None))


def test_writes_run_on_one_thread_and_roll_back_together(store: Store) -> None:
    def half_then_fail(session):  # type: ignore[no-untyped-def]
        add_case(session, new_case(case_number="A"))
        raise ValueError("operator cancelled")

    with pytest.raises(ValueError):
        store.write(half_then_fail)
    assert store.read(count_cases) == 0


def test_the_key_is_not_in_the_repr(store: Store, master_key: bytes) -> None:
    assert master_key.hex() not in repr(store) + repr(store.blobs)
    assert master_key.hex() not in repr(vars(store)) + repr(vars(store.blobs))


def test_cipher_memory_security_follows_the_configuration(config: TerminalConfig, master_key: bytes) -> None:
    secured = dataclasses.replace(config, cipher_memory_security=True)
    for cfg, expected in ((config, "0"), (secured, "1")):
        with open_store(cfg, master_key, create=True) as store:
            for run in (store.read, store.write):
                assert str(run(lambda s: s.execute(text("PRAGMA cipher_memory_security")).scalar_one())) == expected

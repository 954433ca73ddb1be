"""The audit log's hash chain: intact, tampered, deleted, reordered, cut at the end; and ``lianjie audit verify``."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest
from sqlalchemy import text

from app.cli import main
from app.config import TerminalConfig
from app.models.audit import (
    AuditKind,
    append_audit,
    canonical_row,
    chain_hash,
    list_audit,
    verify_audit_chain,
)
from app.models.cases import add_case, count_cases
from app.models.store import Store, open_store
from tests.models.conftest import new_case, random_key

KINDS = [AuditKind.LOGIN, AuditKind.UNLOCK, AuditKind.RECORD_CREATED, AuditKind.SIGNATURE, AuditKind.PACKET_SENT]


def _log(store: Store, rows: int = 8) -> None:
    for i in range(rows):
        store.write(
            functools.partial(
                append_audit,
                kind=KINDS[i % len(KINDS)],
                operator="op-张三",
                terminal="terminal-01",
                subject=f"case:{i}",
                details={"copies": i, "printer": "办公室打印机", "ok": True},
            )
        )


def _raw(store: Store, sql: str) -> None:
    store.write(lambda s: s.execute(text(sql)))


def test_an_untouched_log_verifies(store: Store) -> None:
    assert store.read(verify_audit_chain).intact  # an empty log is intact
    _log(store)
    verdict = store.read(verify_audit_chain)
    assert verdict.intact and verdict.rows_checked == 8
    assert "完整" in verdict.describe()
    rows = store.read(list_audit)
    assert [r.seq for r in rows] == list(range(1, 9))
    assert rows[3].details == {"copies": 3, "printer": "办公室打印机", "ok": True}


def test_the_audit_row_commits_and_rolls_back_with_its_change(store: Store) -> None:
    def change_then_fail(session):  # type: ignore[no-untyped-def]
        case = add_case(session, new_case())
        append_audit(session, AuditKind.RECORD_CREATED, operator="op", terminal="t", subject=f"case:{case.id}")
        raise RuntimeError("signature refused")

    with pytest.raises(RuntimeError):
        store.write(change_then_fail)
    assert store.read(list_audit) == () and store.read(count_cases) == 0
    assert store.read(verify_audit_chain).intact


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log SET operator = 'someone else' WHERE seq = 4",
        "UPDATE audit_log SET details = '{}' WHERE seq = 4",
        "UPDATE audit_log SET occurred_at = '2020-01-01T00:00:00.000000Z' WHERE seq = 4",
        "UPDATE audit_log SET kind = 'print' WHERE seq = 4",
    ],
)
def test_a_tampered_row_is_named(store: Store, sql: str) -> None:
    _log(store)
    _raw(store, sql)
    verdict = store.read(verify_audit_chain)
    assert (verdict.intact, verdict.first_broken_seq, verdict.problem) == (False, 4, "altered")
    assert "第 4 条记录" in verdict.describe()


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_link_to_the_next(store: Store) -> None:
    _log(store)
    row = store.read(lambda s: s.execute(text("SELECT * FROM audit_log WHERE seq = 4")).one())
    forged = canonical_row(4, row.occurred_at, row.kind, "someone else", row.terminal, row.subject, row.details)
    fresh_hash = chain_hash(row.prev_hash, forged)
    _raw(store, f"UPDATE audit_log SET operator = 'someone else', row_hash = '{fresh_hash}' WHERE seq = 4")
    verdict = store.read(verify_audit_chain)
    assert (verdict.first_broken_seq, verdict.problem) == (5, "relinked")
    assert "替换" in verdict.describe()


def test_a_deleted_row_in_the_middle_is_named(store: Store) -> None:
    _log(store)
    _raw(store, "DELETE FROM audit_log WHERE seq = 5")
    verdict = store.read(verify_audit_chain)
    assert (verdict.first_broken_seq, verdict.problem) == (5, "missing")
    assert "第 5 条记录缺失" in verdict.describe()


def test_a_deleted_and_renumbered_row_is_named(store: Store) -> None:
    _log(store)
    _raw(store, "DELETE FROM audit_log WHERE seq = 5")
    _raw(store, "UPDATE audit_log SET seq = seq - 1 WHERE seq > 5")
    verdict = store.read(verify_audit_chain)
    assert verdict.first_broken_seq == 5 and not verdict.intact


def test_reordered_rows_are_named(store: Store) -> None:
    _log(store)
    _raw(store, "UPDATE audit_log SET seq = -3 WHERE seq = 3")
    _raw(store, "UPDATE audit_log SET seq = 3 WHERE seq = 6")
    _raw(store, "UPDATE audit_log SET seq = 6 WHERE seq = -3")
    verdict = store.read(verify_audit_chain)
    assert (verdict.first_broken_seq, verdict.problem) == (3, "relinked")


def test_deleting_the_newest_rows_is_seen(store: Store) -> None:
    _log(store)
    _raw(store, "DELETE FROM audit_log WHERE seq >= 7")
    verdict = store.read(verify_audit_chain)
    assert (verdict.first_broken_seq, verdict.problem) == (7, "head")
    _log(store, 1)  # appending afterwards does not hide the gap
    assert store.read(verify_audit_chain).first_broken_seq == 7


def test_rows_added_behind_the_programs_back_are_seen(store: Store) -> None:
    _log(store, 3)
    _raw(
        store, "UPDATE meta SET value = (SELECT '2:' || row_hash FROM audit_log WHERE seq = 2) WHERE key = 'audit_head'"
    )
    verdict = store.read(verify_audit_chain)
    assert (verdict.first_broken_seq, verdict.problem) == (3, "head")


def test_rows_copied_from_another_store_do_not_fit(config: TerminalConfig, tmp_path: Path, store: Store) -> None:
    other_config = TerminalConfig(data_dir=tmp_path / "other")
    with open_store(other_config, random_key(), create=True) as other:
        _log(other, 3)
        rows = other.read(lambda s: [tuple(r) for r in s.execute(text("SELECT * FROM audit_log"))])
        head = other.read(lambda s: s.execute(text("SELECT value FROM meta WHERE key = 'audit_head'")).scalar_one())
    store.write(
        lambda s: s.execute(
            text("INSERT INTO audit_log VALUES (:a,:b,:c,:d,:e,:f,:g,:h,:i)"),
            [dict(zip("abcdefghi", row, strict=True)) for row in rows],
        )
    )
    store.write(lambda s: s.execute(text("INSERT INTO meta VALUES ('audit_head', :v)"), {"v": head}))
    verdict = store.read(verify_audit_chain)
    assert (verdict.first_broken_seq, verdict.problem) == (1, "relinked")


def test_details_refuse_secrets(store: Store) -> None:
    for details in ({"PIN": "123456"}, {"recovery_key": "x"}, {"password": "x"}):
        with pytest.raises(ValueError):
            store.write(
                functools.partial(append_audit, kind=AuditKind.UNLOCK, operator="o", terminal="t", details=details)
            )
    with pytest.raises(TypeError):
        store.write(
            lambda s: append_audit(s, AuditKind.EXPORT, operator="o", terminal="t", details={"blob": b"x"})  # type: ignore[dict-item]
        )
    assert store.read(list_audit) == ()


def test_times_are_kept_to_the_microsecond_in_utc(store: Store) -> None:
    when = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    store.write(lambda s: append_audit(s, AuditKind.PRINT, operator="o", terminal="t", now=when))
    assert store.read(list_audit)[0].occurred_at == when
    assert store.read(verify_audit_chain).intact


@pytest.fixture
def closed_store(config: TerminalConfig, master_key: bytes, tmp_path: Path) -> Path:
    """A store holding an audit log, closed; returns the master-key file the CLI reads."""
    with open_store(config, master_key, create=True) as store:
        _log(store)
    key_file = tmp_path / "master.key"
    key_file.write_text(master_key.hex() + "\n", encoding="ascii")
    return key_file


def _verify(config: TerminalConfig, *extra: str) -> int:
    return main(["--data-dir", str(config.data_dir), "audit", "verify", *extra])


def test_cli_exit_codes(
    config: TerminalConfig, master_key: bytes, closed_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _verify(config, "--master-key-file", str(closed_store)) == 0
    assert "审计日志完整：共 8 条记录" in capsys.readouterr().out

    with open_store(config, master_key) as store:
        _raw(store, "UPDATE audit_log SET subject = 'case:forged' WHERE seq = 6")
    assert _verify(config, "--master-key-file", str(closed_store)) == 1
    output = capsys.readouterr()
    assert "审计日志已被破坏" in output.out and "第 6 条记录" in output.out

    wrong = tmp_path / "wrong.key"
    wrong.write_text(random_key().hex(), encoding="ascii")
    assert _verify(config, "--master-key-file", str(wrong)) == 2
    assert "密钥" in capsys.readouterr().err

    wrong.write_text("not hex", encoding="ascii")
    assert _verify(config, "--master-key-file", str(wrong)) == 2
    assert _verify(config) == 2
    output = capsys.readouterr()
    assert "--master-key-file" in output.err
    assert master_key.hex() not in output.out + output.err

"""Nothing an operator enters can be read from the disk without the key."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from app.config import TerminalConfig
from app.models.attachments import add_attachment, attachment_chunks, list_attachments
from app.models.audit import AuditKind, append_audit
from app.models.cases import CaseRecord, add_case, search_cases
from app.models.store import open_store
from tests.models.conftest import new_case

KNOWN = ["张三丰", "银川兴庆宏达商贸有限公司", "11010519491231002X", "移送", "涉嫌生产销售伪劣产品"]


def _needles() -> list[tuple[str, bytes]]:
    return [(f"{word} ({encoding})", word.encode(encoding)) for word in KNOWN for encoding in ("utf-8", "utf-16-le")]


def _write_known_strings(config: TerminalConfig, master_key: bytes) -> None:
    document = ("移送书：当事人张三丰，身份证号 11010519491231002X，银川兴庆宏达商贸有限公司。\n" * 2000).encode(
        "utf-8"
    )
    with open_store(config, master_key, create=True) as store:
        cases: list[CaseRecord] = []
        for i in range(30):
            case = new_case(
                case_number=f"兴市监移〔2024〕{i}号",
                title="涉嫌生产销售伪劣产品移送案",
                party_name="张三丰" if i % 2 else "银川兴庆宏达商贸有限公司",
                party_id_number="11010519491231002X",
                stage="移送",
            )
            cases.append(store.write(lambda s, case=case: add_case(s, case)))  # type: ignore[misc]
        store.write(
            lambda s: append_audit(s, AuditKind.RECORD_CREATED, operator="张三丰", terminal="移送", subject=cases[0].id)
        )
        for encoding in ("utf-8", "utf-16-le"):
            add_attachment(
                store,
                cases[0].id,
                io.BytesIO(document.decode("utf-8").encode(encoding)),
                name="移送书-张三丰.txt",
                media_type="text/plain",
            )
        assert len(store.read(lambda s: search_cases(s, "张三丰"))) == 15
        records = store.read(lambda s: list_attachments(s, cases[0].id))
        contents = {b"".join(attachment_chunks(store, r.id)) for r in records}
        assert contents == {document, document.decode("utf-8").encode("utf-16-le")}
        # Keep a WAL on disk for the scan: a second handle holds the file open while the store closes.
        wal = Path(f"{config.store_path}-wal")
        assert wal.exists() and wal.stat().st_size > 0
        shutil.copyfile(wal, config.data_dir / "wal-copy")


def test_known_strings_appear_nowhere_on_disk(config: TerminalConfig, master_key: bytes) -> None:
    _write_known_strings(config, master_key)
    files = [p for p in config.data_dir.rglob("*") if p.is_file()]
    blobs = [p for p in files if p.suffix == ".blob"]
    assert len(blobs) == 2
    assert config.store_path in files and (config.data_dir / "wal-copy") in files
    for path in files:
        data = path.read_bytes()
        found = [label for label, needle in _needles() if needle in data]
        assert found == [], f"{path.name} holds {found}"


def test_the_stock_sqlite3_program_cannot_read_the_store(config: TerminalConfig, master_key: bytes) -> None:
    program = shutil.which("sqlite3")
    if program is None:
        pytest.skip("the sqlite3 program is not installed")
    open_store(config, master_key, create=True).close()
    result = subprocess.run([program, str(config.store_path), ".tables"], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "file is not a database" in result.stderr

"""Documents from the store: 文号 allocated with the issued row (no gap, no duplicate), printed, audited, reprinted;
``lianjie doc render --case`` produces the case's PDF."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.config import TerminalConfig
from app.documents.render import DocumentRenderer
from app.domain.agencies import Agency
from app.domain.events import TransferMaterial
from app.models.audit import list_audit
from app.models.directory import DirectoryEntry, get_agency, list_agencies, save_agency
from app.models.numbers import issued_documents, issued_serials
from app.models.store import Store, open_store
from app.models.tables import IssuedDocumentRow
from app.services import case_actions_transfer as tr
from app.services.cases import CaseDesk
from app.services.documents import NotOurDocument, default_rules, issue_document, reprint_document
from tests.domain.factory import ENFORCEMENT, POLICE, PROCURATORATE
from tests.models.conftest import HiddenKey
from tests.services.test_case_support import Clock, desk, open_case

RULES = default_rules()
PARTY = "某商贸有限公司"
MATERIALS = tuple(TransferMaterial)[:3]


def poppler_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def renderer() -> DocumentRenderer:
    return DocumentRenderer()


@pytest.fixture
def key() -> bytes:
    return HiddenKey(os.urandom(32))


@pytest.fixture
def config(tmp_path: Path) -> TerminalConfig:
    return TerminalConfig(data_dir=tmp_path / "terminal")


@pytest.fixture
def store(config: TerminalConfig, key: bytes) -> Iterator[Store]:
    with open_store(config, key, create=True) as opened:
        for agency, prefix in ((ENFORCEMENT, "银兴市监"), (POLICE, "兴公"), (PROCURATORATE, "兴检")):
            opened.write(lambda s, a=agency, p=prefix: save_agency(s, DirectoryEntry(a, p, head="赵建国")))  # type: ignore[misc]
        yield opened


def not_filed_and_reconsidering(store: Store, clock: Clock) -> tuple[str, CaseDesk]:
    agency, police = desk(store, ENFORCEMENT, clock), desk(store, POLICE, clock)
    case_id = open_case(store, clock)
    tr.report_transfer(
        agency, case_id, officers=("张三", "李四"), summary="涉嫌销售伪劣产品", occurred_at=clock.advance(hours=1)
    )
    tr.approve_transfer(agency, case_id, occurred_at=clock.advance(hours=1))
    tr.transfer_case(
        agency, case_id, police_code=POLICE.code, document_number="银兴市监移〔2026〕1号", materials=MATERIALS,
        testing_applies=False, procuratorate_code=PROCURATORATE.code, occurred_at=clock.advance(hours=1),
    )  # fmt: skip
    tr.record_receipt(police, case_id, occurred_at=clock.advance(hours=1))
    tr.record_filing_decision(
        police, case_id, filed=False, document_number="兴公不立字〔2026〕1号", reasons="情节显著轻微",
        occurred_at=clock.advance(hours=1),
    )  # fmt: skip
    tr.request_reconsideration(agency, case_id, reasons="销售金额已达追诉标准", occurred_at=clock.advance(hours=1))
    return case_id, agency


def test_issuing_allocates_the_next_number_records_it_audits_and_prints(
    store: Store, clock: Clock, renderer: DocumentRenderer, tmp_path: Path
) -> None:
    case_id, agency = not_filed_and_reconsidering(store, clock)
    first = issue_document(agency, case_id, "reconsideration_request", renderer=renderer, rules=RULES)
    second = issue_document(agency, case_id, "reconsideration_request", renderer=renderer, rules=RULES)
    assert (first.number, second.number) == ("银兴市监复〔2026〕1号", "银兴市监复〔2026〕2号")
    assert first.issued is not None and first.changes.documents == (first.issued.id,)
    text = poppler_text(first.pdf, tmp_path).replace(" ", "")
    assert PARTY in text and "银兴市监复〔2026〕1号" in text
    assert store.read(lambda s: issued_serials(s, ENFORCEMENT.code, "reconsideration_request", 2026)) == (1, 2)
    prints = [r for r in store.read(lambda s: list_audit(s, limit=1000)) if r.kind == "print"]
    assert [p.details["number"] for p in prints] == ["银兴市监复〔2026〕1号", "银兴市监复〔2026〕2号"]
    assert all(PARTY not in str(p.details) for p in prints)  # no case content in the audit log
    again = reprint_document(store, first.issued, renderer=renderer, operator="op", terminal="XQ-01")
    assert "银兴市监复〔2026〕1号" in poppler_text(again, tmp_path).replace(" ", "")


def test_a_record_with_its_own_number_allocates_nothing_and_others_numbers_are_refused(
    store: Store, clock: Clock, renderer: DocumentRenderer, tmp_path: Path
) -> None:
    case_id, agency = not_filed_and_reconsidering(store, clock)
    printed = issue_document(agency, case_id, "transfer_notice", renderer=renderer, rules=RULES)
    assert printed.issued is None and printed.number == "银兴市监移〔2026〕1号"
    assert PARTY in poppler_text(printed.pdf, tmp_path).replace(" ", "")
    with pytest.raises(NotOurDocument):
        issue_document(agency, case_id, "non_filing_notice", renderer=renderer, rules=RULES)
    assert store.read(lambda s: issued_documents(s, case_id)) == ()


def test_two_threads_issuing_at_once_get_every_number_once(
    store: Store, clock: Clock, renderer: DocumentRenderer
) -> None:
    case_id, agency = not_filed_and_reconsidering(store, clock)
    numbers: list[str] = []
    lock = threading.Lock()

    def operator() -> None:
        for _ in range(5):
            printed = issue_document(agency, case_id, "reconsideration_request", renderer=renderer, rules=RULES)
            with lock:
                numbers.append(printed.number)

    threads = [threading.Thread(target=operator) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers, key=lambda n: int(n.split("〕")[1][:-1])) == [
        f"银兴市监复〔2026〕{i}号" for i in range(1, 11)
    ]
    assert store.read(lambda s: s.scalar(select(func.count()).select_from(IssuedDocumentRow))) == 10


def test_cli_renders_a_case_document_from_the_store(
    store: Store, clock: Clock, config: TerminalConfig, key: bytes, tmp_path: Path
) -> None:
    case_id, _ = not_filed_and_reconsidering(store, clock)
    store.close()
    key_file = tmp_path / "master.key"
    key_file.write_text(bytes(key).hex(), encoding="ascii")
    out = tmp_path / "notice.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "--data-dir", str(config.data_dir), "doc", "render", "transfer_notice",
         "--case", case_id, "--out", str(out), "--master-key-file", str(key_file)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert bytes(key).hex() not in result.stdout + result.stderr
    assert PARTY in poppler_text(out.read_bytes(), tmp_path).replace(" ", "")
    missing = subprocess.run(
        [sys.executable, "-m", "app.cli", "--data-dir", str(config.data_dir), "doc", "render", "transfer_notice",
         "--case", "no-such-case", "--out", str(out), "--master-key-file", str(key_file)],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert missing.returncode == 2 and "没有该案件" in missing.stderr


def test_the_agency_directory_round_trips(store: Store) -> None:
    entry = store.read(lambda s: get_agency(s, ENFORCEMENT.code))
    assert entry == DirectoryEntry(Agency(ENFORCEMENT.code, ENFORCEMENT.kind, ENFORCEMENT.name), "银兴市监", "赵建国")
    assert len(store.read(list_agencies)) == 3

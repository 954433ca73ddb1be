"""``lianjie demo --headless --out DIR``: the scripted scenario runs end to end through the embedded platform and
leaves the PKI, the terminals' stores, every packet, every printed document and the step log."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography import x509

from app.demo.agencies import DEMO_AGENCIES
from app.demo.scenario import PARTY

pytestmark = pytest.mark.slow
ROOT_DIR = Path(__file__).resolve().parents[2]
LIANJIE = [sys.executable, "-m", "app.cli"]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenario") / "out"
    done = subprocess.run(
        [*LIANJIE, "demo", "--headless", "--out", str(folder)], cwd=ROOT_DIR, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "演示场景全部步骤成功" in done.stdout
    return folder


def test_pki_files_parse(out: Path) -> None:
    root = x509.load_pem_x509_certificate((out / "pki" / "root.pem").read_bytes())
    crl = x509.load_pem_x509_crl((out / "pki" / "crl.pem").read_bytes())
    assert crl.issuer == root.subject and crl.is_signature_valid(root.public_key())  # type: ignore[arg-type]


def test_each_terminal_has_a_store_stock_sqlite_cannot_read(out: Path) -> None:
    for agency in DEMO_AGENCIES:
        data_dir = out / "terminals" / agency.code
        stores = [p for p in data_dir.rglob("*.db") if p.stat().st_size > 0] + list(data_dir.rglob("*.sqlite"))
        assert stores, f"no store in {data_dir}"
        for path in stores:
            with pytest.raises(sqlite3.DatabaseError):
                connection = sqlite3.connect(path)
                try:
                    connection.execute("SELECT name FROM sqlite_master").fetchall()
                finally:
                    connection.close()


def _packets(out: Path) -> list[Path]:
    packets = sorted((out / "packets").glob("*.ljp"))
    assert len(packets) >= 13
    return packets


def test_packets_verify_with_lianjie(out: Path) -> None:
    for packet in _packets(out)[:4]:
        done = subprocess.run(
            [*LIANJIE, "packet", "verify", str(packet), "--trust", str(out / "pki" / "root.pem"),
             "--crl", str(out / "pki" / "crl.pem")],
            cwd=ROOT_DIR, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr


def test_packets_verify_with_stock_openssl(out: Path, tmp_path: Path) -> None:
    for packet in _packets(out):
        with zipfile.ZipFile(packet) as archive:
            (tmp_path / "manifest.json").write_bytes(archive.read("manifest.json"))
            (tmp_path / "manifest.p7s").write_bytes(archive.read("manifest.p7s"))
        done = subprocess.run(
            ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "manifest.p7s"),
             "-content", str(tmp_path / "manifest.json"), "-CAfile", str(out / "pki" / "root.pem"),
             "-purpose", "any", "-out", "/dev/null"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr


def test_documents_are_pdfs_naming_the_party(out: Path) -> None:
    documents = sorted((out / "documents").glob("*.pdf"))
    keys = {p.stem.split("-", 1)[1] for p in documents}
    assert {"transfer_notice", "non_filing_notice", "reconsideration_request", "reconsideration_decision",
            "explain_non_filing", "notice_to_file", "filing_notice"} <= keys  # fmt: skip
    for path in documents:
        assert path.read_bytes().startswith(b"%PDF-")
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert PARTY in text.replace(" ", "").replace("\n", ""), path.name


def test_scenario_lists_the_steps_in_order_with_deadlines(out: Path) -> None:
    log = json.loads((out / "scenario.json").read_text(encoding="utf-8"))
    assert log["ok"] is True and log["error"] == ""
    steps = log["steps"]
    assert [s["step"] for s in steps] == list(range(1, len(steps) + 1))
    assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
    kinds = [s["kind"] for s in steps]
    order = ["transfer_reported", "transfer_approved", "transferred", "receipt_signed", "reconsideration_requested",
             "reconsideration_decided", "explanation_required", "filing_noticed"]  # fmt: skip
    assert [k for k in kinds if k in order] == order
    assert kinds[-1] == "filing_decision" and steps[-1]["stage"] == "已立案"
    roles = {s["kind"]: (s["agency_code"], s["role"]) for s in steps}
    assert roles["transfer_approved"][1] == "负责人"
    with_deadlines = [s for s in steps if s["deadlines"]]
    assert len(with_deadlines) >= 6
    for step in with_deadlines:
        for deadline in step["deadlines"]:
            assert deadline["due_at"] >= deadline["started_at"] and deadline["label"]
    sent = {p["packet_id"] for s in steps for p in s["packets"]}
    assert sent <= {p.stem for p in (out / "packets").glob("*.ljp")}

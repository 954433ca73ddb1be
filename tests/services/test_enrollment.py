"""Terminal enrollment: first run, then enrolling and removing operators, audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.crypto import keyslots
from app.crypto.errors import WrongAgency
from app.models.tables import AuditEntry
from app.services.enrollment import enroll_operator, remove_operator, terminal_private_key_der
from app.services.identity import list_candidates, load_terminal_identity
from app.services.login import LoginService
from tests.crypto.conftest import AGENCY_CODE, OTHER_AGENCY_CODE, operator_holder
from tests.services.conftest import P12_PASSWORD, Terminal, operator_p12


def test_first_run_takes_agency_from_terminal_certificate_and_seals_its_key(terminal: Terminal) -> None:
    identity = load_terminal_identity(terminal.config)
    assert identity.agency_code == AGENCY_CODE and identity.terminal_name == "XQ-SCJG-01"
    assert terminal.enrolled.recovery_key_text not in repr(terminal.enrolled)
    (candidate,) = list_candidates(terminal.config, None)
    session = LoginService(terminal.config).login(candidate, lambda request: P12_PASSWORD)
    try:
        key = serialization.load_der_private_key(terminal_private_key_der(session), None)
        terminal_pem = (terminal.config.data_dir / "identity" / "terminal.pem").read_bytes()
        assert b"PRIVATE" not in terminal_pem
        spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        certificate = x509.load_pem_x509_certificate(terminal_pem)
        assert key.public_key().public_bytes(*spki) == certificate.public_key().public_bytes(*spki)
    finally:
        session.lock("manual")


def test_enrolled_operator_enrolls_and_removes_another_with_audit(terminal: Terminal, tmp_path: Path) -> None:
    (candidate,) = list_candidates(terminal.config, None)
    admin = LoginService(terminal.config).login(candidate, lambda request: P12_PASSWORD)
    path, certificate = operator_p12(terminal.ca, tmp_path / "lisi.p12", operator_holder("李四", "OP0002"))
    enroll_operator(admin, terminal.config, certificate, pkcs12_path=path)
    with pytest.raises(WrongAgency):
        _, foreign = operator_p12(terminal.ca, tmp_path / "f.p12", operator_holder("外", "OP9", code=OTHER_AGENCY_CODE))
        enroll_operator(admin, terminal.config, foreign)
    admin.lock("manual")
    assert len(list_candidates(terminal.config, None)) == 2
    lisi = next(c for c in list_candidates(terminal.config, None) if c.certificate == certificate)
    session = LoginService(terminal.config).login(lisi, lambda request: P12_PASSWORD)
    remove_operator(session, terminal.config, candidate.certificate)
    rows = session.store.read(lambda s: [(e.kind, e.operator, e.details) for e in s.query(AuditEntry)])
    session.lock("manual")
    actions = [
        (kind, operator) for kind, operator, details in rows if "enroll_operator" in details or "remove" in details
    ]
    assert ("operator_enrolled", "OP0001") in actions and ("operator_removed", "OP0002") in actions
    assert [op.operator_id for op in keyslots.list_operators(terminal.config)] == ["OP0002"]

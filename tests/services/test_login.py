"""Login: every refusal has its own typed error and Chinese message, every attempt reaches the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.crypto.errors import (
    CertificateExpired,
    CertificateNotYetValid,
    CertificateRevoked,
    CrlInvalid,
    CrlStale,
    ProfileViolation,
    UnknownIssuer,
    WrongAgency,
    WrongPin,
)
from app.crypto.keyslot_errors import OperatorNotEnrolled
from app.crypto.pkcs11_token import PinRequest, TokenLibrary
from app.crypto.pki.ca import CertificateAuthority
from app.crypto.profile import operator_extensions
from app.models.audit import AuditKind
from app.models.tables import AuditEntry
from app.services.identity import LoginCandidate, identity_dir, install_crl, installed_crls, list_candidates
from app.services.login import LoginService, OperatorSession
from tests.crypto.conftest import CA_PASSPHRASE, OTHER_AGENCY_CODE, operator_holder
from tests.services.conftest import P12_PASSWORD, Terminal, operator_p12


def p12_candidate(path: Path, certificate: x509.Certificate) -> LoginCandidate:
    return LoginCandidate("pkcs12", str(path), certificate)


def first_candidate(terminal: Terminal) -> LoginCandidate:
    (candidate,) = [c for c in list_candidates(terminal.config, None) if c.kind == "pkcs12"]
    return candidate


def never_asked(request: PinRequest) -> str:
    raise AssertionError("the PIN must not be asked for a certificate that is refused anyway")


def audit_rows(session: OperatorSession) -> list[tuple[str, str, str]]:
    def rows(s):  # type: ignore[no-untyped-def]
        return [(e.kind, e.operator, e.details) for e in s.query(AuditEntry).order_by(AuditEntry.seq)]

    return session.store.read(rows)


def login(terminal: Terminal, candidate: LoginCandidate, pin: str = P12_PASSWORD, **kwargs) -> OperatorSession:  # type: ignore[no-untyped-def]
    return LoginService(terminal.config, **kwargs).login(candidate, lambda request: pin)


def test_enrolled_operator_logs_in_with_pkcs12_and_store_opens(terminal: Terminal) -> None:
    session = login(terminal, first_candidate(terminal))
    try:
        assert session.verdict.holder.operator_id == "OP0001" and session.verdict.warnings == ()
        kinds = [row[0] for row in audit_rows(session)]
        assert kinds[-1] == AuditKind.LOGIN.value
    finally:
        session.lock("manual")


def test_wrong_pkcs12_password_is_refused_and_audited_after_next_login(terminal: Terminal) -> None:
    candidate = first_candidate(terminal)
    with pytest.raises(WrongPin) as caught:
        login(terminal, candidate, pin="wrong")
    assert caught.value.user_message.startswith("PIN 码错误")
    assert LoginService(terminal.config).pending_attempts()[0]["reason"] == "wrong_pin"
    session = login(terminal, candidate)
    try:
        rows = audit_rows(session)
        failed = [row for row in rows if row[0] == AuditKind.UNLOCK_FAILED.value]
        assert len(failed) == 1 and "wrong_pin" in failed[0][2] and "wrong" not in failed[0][2].replace("wrong_pin", "")
        assert LoginService(terminal.config).pending_attempts() == []
    finally:
        session.lock("manual")


def test_expired_certificate_is_refused(terminal: Terminal) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    with pytest.raises(CertificateExpired) as caught:
        LoginService(terminal.config, clock=lambda: later).login(first_candidate(terminal), never_asked)
    assert "过期" in caught.value.user_message


def test_not_yet_valid_certificate_is_refused(terminal: Terminal) -> None:
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with pytest.raises(CertificateNotYetValid) as caught:
        LoginService(terminal.config, clock=lambda: earlier).login(first_candidate(terminal), never_asked)
    assert "生效" in caught.value.user_message


def test_revoked_operator_is_refused_before_the_pin(terminal: Terminal, tmp_path: Path) -> None:
    ca = terminal.ca
    candidate = first_candidate(terminal)
    ca.revoke(candidate.certificate.serial_number, reason="keyCompromise")
    install_crl(terminal.config, ca.crl().public_bytes(serialization.Encoding.PEM))
    with pytest.raises(CertificateRevoked) as caught:
        login(terminal, candidate, pin="never used")
    assert "吊销" in caught.value.user_message


def test_unknown_issuer_is_refused(terminal: Terminal, tmp_path: Path) -> None:
    stranger = CertificateAuthority.create(
        tmp_path / "other-ca", root_name="别的根", organization="别处", passphrase=CA_PASSPHRASE
    )
    path, certificate = operator_p12(stranger, tmp_path / "x.p12", operator_holder("李四", "OP0009"))
    with pytest.raises(UnknownIssuer) as caught:
        LoginService(terminal.config).login(p12_candidate(path, certificate), never_asked)
    assert "信任" in caught.value.user_message


def test_bad_credit_code_check_character_is_a_profile_violation(terminal: Terminal) -> None:
    # Our CA refuses to issue this; another CA might not. Sign it with the same CA key, as a careless CA would.
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "某局"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "11640100MB00000013"),  # check character is 2
            x509.NameAttribute(NameOID.COMMON_NAME, "王五"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "OP0005"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(terminal.ca.issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
    )
    for extension, critical in operator_extensions():
        builder = builder.add_extension(extension, critical=critical)
    certificate = builder.sign(terminal.ca._key, hashes.SHA256())
    with pytest.raises(ProfileViolation) as caught:
        LoginService(terminal.config).login(LoginCandidate("pkcs12", "/nonexistent.p12", certificate), never_asked)
    assert "校验位" in caught.value.user_message


def test_another_agencys_certificate_is_refused(terminal: Terminal, tmp_path: Path) -> None:
    holder = operator_holder("赵六", "OP0006", code=OTHER_AGENCY_CODE)
    path, certificate = operator_p12(terminal.ca, tmp_path / "other.p12", holder)
    with pytest.raises(WrongAgency) as caught:
        LoginService(terminal.config).login(p12_candidate(path, certificate), never_asked)
    assert "其他单位" in caught.value.user_message


def test_operator_not_enrolled_here_is_refused(terminal: Terminal, tmp_path: Path) -> None:
    path, certificate = operator_p12(terminal.ca, tmp_path / "new.p12", operator_holder("钱七", "OP0007"))
    with pytest.raises(OperatorNotEnrolled) as caught:
        LoginService(terminal.config).login(p12_candidate(path, certificate), never_asked)
    assert "未在本终端登记" in caught.value.user_message
    assert LoginService(terminal.config).pending_attempts()[-1]["reason"] == "OperatorNotEnrolled"


def test_stale_crl_warns_under_warn_policy(terminal: Terminal) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=9)  # CRL nextUpdate is 7 days, grace 24 h
    session = LoginService(terminal.config, clock=lambda: later).login(
        first_candidate(terminal), lambda request: P12_PASSWORD
    )
    try:
        assert any("吊销列表已过期" in warning for warning in session.verdict.warnings)
    finally:
        session.lock("manual")


def test_stale_crl_refuses_under_refuse_policy(terminal: Terminal) -> None:
    terminal.config = replace(terminal.config, stale_crl_policy="refuse")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=9)
    with pytest.raises(CrlStale):
        LoginService(terminal.config, clock=lambda: later).login(first_candidate(terminal), never_asked)


def test_forged_crl_is_refused(terminal: Terminal, tmp_path: Path) -> None:
    forger = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    forged = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(terminal.ca.issuer.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=30))
        .sign(forger, hashes.SHA256())
    )
    with pytest.raises(CrlInvalid):
        install_crl(terminal.config, forged.public_bytes(serialization.Encoding.PEM))


def test_token_operator_logs_in_and_revoked_token_operator_cannot_unlock_store(
    terminal: Terminal, token_library: TokenLibrary
) -> None:
    from app.services.enrollment import enroll_operator
    from tests.crypto.conftest import token_certificate

    certificate = token_certificate(terminal.ca, token_library, "op-revoked")
    admin = login(terminal, first_candidate(terminal))
    enroll_operator(admin, terminal.config, certificate)
    admin.lock("manual")
    (candidate,) = [c for c in list_candidates(terminal.config, token_library) if c.location == "op-revoked"]
    from tests.crypto.conftest import USER_PIN

    session = LoginService(terminal.config, tokens=token_library).login(candidate, lambda request: USER_PIN)
    assert session.signer.sign(b"x")
    session.lock("manual")
    terminal.ca.revoke(certificate.serial_number)
    install_crl(terminal.config, terminal.ca.crl().public_bytes(serialization.Encoding.PEM))
    with pytest.raises(CertificateRevoked):
        LoginService(terminal.config, tokens=token_library).login(candidate, lambda request: USER_PIN)
    assert LoginService(terminal.config).pending_attempts()[-1]["reason"] == "revoked"


def test_an_older_crl_without_a_number_does_not_replace_a_newer_one(terminal: Terminal) -> None:
    """Login's CRLs never go back: two lists without a CRL number are ordered by their this-update (an older one
    replaced the newer one when only numbers were compared)."""
    now = dt.datetime.now(dt.UTC)

    def unnumbered(issued: dt.datetime) -> bytes:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(terminal.ca.issuer.subject)
            .last_update(issued)
            .next_update(issued + dt.timedelta(days=7))
        )
        return builder.sign(terminal.ca._key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)  # type: ignore[arg-type]

    newer, older = unnumbered(now - dt.timedelta(hours=1)), unnumbered(now - dt.timedelta(days=2))
    (identity_dir(terminal.config) / "crl.pem").unlink()  # the numbered one of enrollment would outrank both
    install_crl(terminal.config, newer)
    kept = install_crl(terminal.config, older)
    assert [crl.last_update_utc for crl in kept] == [(now - dt.timedelta(hours=1)).replace(microsecond=0)]
    assert [crl.last_update_utc for crl in installed_crls(terminal.config)] == [kept[0].last_update_utc]

"""``lianjie pki``: a CA directory with an intermediate, every issue kind, revoke and CRL — checked by stock OpenSSL."""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from app.commands import pki
from app.crypto.errors import CaError, ProfileViolation
from app.crypto.pkcs11_token import TokenLibrary
from app.crypto.pki.ca import CertificateAuthority
from app.crypto.profile import Holder, check_profile, read_holder
from app.crypto.signers import Pkcs12Signer
from tests.crypto.conftest import AGENCY_CODE, AGENCY_NAME, USER_PIN, SoftHsm


def run_pki(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    pki.add_arguments(parser)
    return pki.run(parser.parse_args(list(argv)))


def holder_args(name: str, *extra: str) -> list[str]:
    return ["--name", name, "--agency-name", AGENCY_NAME, "--agency-code", AGENCY_CODE, *extra]


@pytest.fixture
def ca_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIANJIE_CA_PASSPHRASE", "a long CA passphrase")
    monkeypatch.setenv("LIANJIE_P12_PASSWORD", "p12-password")
    directory = tmp_path / "ca"
    assert (
        run_pki(
            "init",
            "--ca-dir",
            str(directory),
            "--name",
            "平台根",
            "--organization",
            "平台",
            "--intermediate",
            "平台中级",
        )
        == 0
    )
    return directory


def openssl_verify(tmp_path: Path, ca_dir: Path, certificate: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            str(ca_dir / "root.pem"),
            "-untrusted",
            str(ca_dir / "intermediate.pem"),
            *extra,
            str(certificate),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_ca_issues_every_kind_and_openssl_accepts_them(ca_dir: Path, tmp_path: Path) -> None:
    assert (
        run_pki(
            "issue-operator",
            "--ca-dir",
            str(ca_dir),
            *holder_args("张三", "--operator-id", "OP1"),
            "--algorithm",
            "rsa2048",
            "--p12",
            str(tmp_path / "op.p12"),
            "--cert-out",
            str(tmp_path / "op.pem"),
        )
        == 0
    )
    assert (
        run_pki(
            "issue-terminal",
            "--ca-dir",
            str(ca_dir),
            *holder_args("XQ-01"),
            "--p12",
            str(tmp_path / "t.p12"),
            "--cert-out",
            str(tmp_path / "t.pem"),
        )
        == 0
    )
    assert (
        run_pki(
            "issue-server",
            "--ca-dir",
            str(ca_dir),
            *holder_args("platform"),
            "--san",
            "platform.example",
            "--san",
            "127.0.0.1",
            "--cert-out",
            str(tmp_path / "s.pem"),
            "--key-out",
            str(tmp_path / "s.key"),
        )
        == 0
    )
    operator = Pkcs12Signer.from_file(tmp_path / "op.p12", "p12-password")
    assert isinstance(operator.certificate.public_key(), rsa.RSAPublicKey)
    assert [c.subject for c in operator.chain] == [
        x509.load_pem_x509_certificate((ca_dir / "intermediate.pem").read_bytes()).subject
    ]
    assert read_holder(operator.certificate) == Holder("张三", AGENCY_NAME, AGENCY_CODE, "OP1")
    terminal = x509.load_pem_x509_certificate((tmp_path / "t.pem").read_bytes())
    eku = terminal.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku
    check_profile(terminal, "terminal")
    assert (tmp_path / "s.key").stat().st_mode & 0o077 == 0
    for name, purpose in (("op.pem", "any"), ("t.pem", "sslclient"), ("s.pem", "sslserver")):
        result = openssl_verify(tmp_path, ca_dir, tmp_path / name, "-purpose", purpose)
        assert result.returncode == 0, result.stdout + result.stderr


def test_revoke_and_crl_are_honoured_by_openssl(ca_dir: Path, tmp_path: Path) -> None:
    run_pki(
        "issue-operator",
        "--ca-dir",
        str(ca_dir),
        *holder_args("李四", "--operator-id", "OP2"),
        "--p12",
        str(tmp_path / "op.p12"),
        "--cert-out",
        str(tmp_path / "op.pem"),
    )
    serial = f"{x509.load_pem_x509_certificate((tmp_path / 'op.pem').read_bytes()).serial_number:X}"
    assert run_pki("revoke", "--ca-dir", str(ca_dir), "--serial", serial, "--reason", "keyCompromise") == 0
    assert run_pki("crl", "--ca-dir", str(ca_dir), "--out", str(tmp_path / "crl.pem"), "--hours", "48") == 0
    crl = x509.load_pem_x509_crl((tmp_path / "crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is not None
    assert crl.next_update_utc is not None and crl.last_update_utc is not None
    result = openssl_verify(tmp_path, ca_dir, tmp_path / "op.pem", "-crl_check", "-CRLfile", str(tmp_path / "crl.pem"))
    assert result.returncode != 0 and "revoked" in result.stdout + result.stderr
    index = json.loads((ca_dir / "index.json").read_text(encoding="utf-8"))
    assert [e["reason"] for e in index["certificates"] if e["serial"] == serial] == ["keyCompromise"]


def test_wrong_passphrase_and_bad_agency_code_are_refused(ca_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(CaError):
        CertificateAuthority.open(ca_dir, b"not the passphrase")
    with pytest.raises(ProfileViolation):
        run_pki(
            "issue-operator",
            "--ca-dir",
            str(ca_dir),
            "--name",
            "x",
            "--agency-name",
            "y",
            "--agency-code",
            AGENCY_CODE[:17] + "0",
            "--operator-id",
            "OP",
            "--p12",
            str(tmp_path / "x.p12"),
        )
    assert not (tmp_path / "x.p12").exists()


def test_issue_operator_generates_the_key_on_the_token(
    ca_dir: Path, softhsm: SoftHsm, token_library: TokenLibrary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIANJIE_TOKEN_PIN", USER_PIN)
    assert (
        run_pki(
            "issue-operator",
            "--ca-dir",
            str(ca_dir),
            *holder_args("王五", "--operator-id", "OP5"),
            "--token",
            "op-issue-ec",
            "--module",
            softhsm.module,
        )
        == 0
    )
    (found,) = [c for c in token_library.certificates() if c.token_label == "op-issue-ec"]
    assert read_holder(found.certificate).operator_id == "OP5"
    signer = token_library.login("op-issue-ec", lambda request: USER_PIN)
    try:
        assert signer.certificate == found.certificate and signer.sign(b"x")
    finally:
        signer.close()

"""Certificates from a stock OpenSSL CA (``openssl req`` / ``openssl ca``, not our tooling) following the profile:
``lianjie identity verify`` must agree with ``openssl verify -crl_check`` on valid, expired and revoked operators,
and must refuse one whose 统一社会信用代码 check character is wrong (which OpenSSL cannot know about)."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import pytest

from app.commands import identity as identity_command
from tests.crypto.conftest import AGENCY_CODE

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")

CA_CONFIG = """\
[ ca ]
default_ca = platform
[ platform ]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/root.pem
private_key = $dir/root.key
default_md = sha256
default_crl_days = 7
policy = anything
unique_subject = no
preserve = yes
utf8 = yes
string_mask = utf8only
[ anything ]
countryName = optional
organizationName = supplied
organizationalUnitName = supplied
commonName = supplied
serialNumber = optional
[ req ]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[ dn ]
[ root_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ operator ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def openssl(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)


def checked(cwd: Path, *args: str) -> None:
    result = openssl(cwd, *args)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def openssl_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ca = tmp_path_factory.mktemp("openssl-ca")
    (ca / "issued").mkdir()
    (ca / "index.txt").write_text("")
    (ca / "serial").write_text("1000\n")
    (ca / "crlnumber").write_text("01\n")
    (ca / "ca.cnf").write_text(CA_CONFIG.format(dir=ca), encoding="utf-8")
    checked(
        ca, "req", "-config", "ca.cnf", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "root.key", "-out", "root.pem", "-days", "3650", "-utf8",
        "-subj", "/C=CN/O=两法衔接平台/CN=OpenSSL 测试根证书", "-extensions", "root_ext",
    )  # fmt: skip
    return ca


def issue(ca: Path, name: str, code: str, *dates: str) -> Path:
    subject = f"/C=CN/O=兴庆区市场监督管理局/OU={code}/CN={name}/serialNumber=OP-{name}"
    checked(
        ca, "req", "-config", "ca.cnf", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.csr", "-utf8", "-subj", subject,
    )  # fmt: skip
    validity = list(dates) if dates else ["-days", "365"]
    checked(
        ca, "ca", "-config", "ca.cnf", "-batch", "-notext", "-utf8", "-extensions", "operator",
        "-in", f"{name}.csr", "-out", f"{name}.pem", *validity,
    )  # fmt: skip
    return ca / f"{name}.pem"


def lianjie_verify(*argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    identity_command.add_arguments(parser)
    args = parser.parse_args(["verify", *argv])
    args.data_dir = None
    return identity_command.run(args), ""


def openssl_verify(ca: Path, certificate: Path) -> int:
    return openssl(
        ca, "verify", "-crl_check", "-CAfile", "root.pem", "-CRLfile", "crl.pem", str(certificate)
    ).returncode


def test_lianjie_agrees_with_openssl_verify_on_an_openssl_ca(
    openssl_ca: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    valid = issue(openssl_ca, "valid", AGENCY_CODE)
    expired = issue(openssl_ca, "expired", AGENCY_CODE, "-startdate", "20200101000000Z", "-enddate", "20210101000000Z")
    revoked = issue(openssl_ca, "revoked", AGENCY_CODE)
    checked(openssl_ca, "ca", "-config", "ca.cnf", "-revoke", str(revoked), "-crl_reason", "keyCompromise")
    checked(openssl_ca, "ca", "-config", "ca.cnf", "-gencrl", "-out", "crl.pem")
    common = ["--trust", str(openssl_ca / "root.pem"), "--crl", str(openssl_ca / "crl.pem"), "--agency", AGENCY_CODE]

    outcomes = {}
    for certificate in (valid, expired, revoked):
        code, _ = lianjie_verify("--cert", str(certificate), *common)
        outcomes[certificate.stem] = (code == 0, openssl_verify(openssl_ca, certificate) == 0, capsys.readouterr().out)
    assert {name: (ours, theirs) for name, (ours, theirs, _) in outcomes.items()} == {
        "valid": (True, True),
        "expired": (False, False),
        "revoked": (False, False),
    }
    assert "持有人：valid" in outcomes["valid"][2] and "结论：接受" in outcomes["valid"][2]
    assert "expired" in outcomes["expired"][2] and "过期" in outcomes["expired"][2]
    assert "（revoked）" in outcomes["revoked"][2] and "吊销" in outcomes["revoked"][2]


def test_bad_credit_code_from_openssl_ca_is_refused_though_openssl_accepts_it(
    openssl_ca: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not (openssl_ca / "crl.pem").exists():
        checked(openssl_ca, "ca", "-config", "ca.cnf", "-gencrl", "-out", "crl.pem")
    bad_code = AGENCY_CODE[:17] + ("3" if AGENCY_CODE[17] != "3" else "4")
    certificate = issue(openssl_ca, "badcode", bad_code)
    assert openssl_verify(openssl_ca, certificate) == 0  # OpenSSL knows nothing of GB 32100
    code, _ = lianjie_verify(
        "--cert", str(certificate), "--trust", str(openssl_ca / "root.pem"), "--crl", str(openssl_ca / "crl.pem")
    )
    out = capsys.readouterr().out
    assert code != 0 and "profile_violation" in out and "校验位" in out

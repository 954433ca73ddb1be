"""Real SoftHSM2 tokens and a real CA for the identity tests.

SoftHSM reads SOFTHSM2_CONF once, at C_Initialize, and python-pkcs11 keeps one loaded module per process; so the
configuration, its token directory and every token are made once per test session, before the module loads.
Tests that change a token's state (wrong PINs, lock, removal) get a token of their own from ``TOKEN_LABELS``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from app.crypto.pkcs11_token import DEFAULT_MODULE_PATHS, TokenLibrary
from app.crypto.pki.ca import CertificateAuthority
from app.crypto.pki.material import generate_private_key
from app.crypto.profile import Holder

USER_PIN = "246810"
SO_PIN = "13579246"
CA_PASSPHRASE = b"ca-test-passphrase"
AGENCY_CODE = "11640100MB00000012"
OTHER_AGENCY_CODE = "11640100MB00000025"
AGENCY_NAME = "银川市兴庆区市场监督管理局"
# One token per state-changing test, plus shared ones.
TOKEN_LABELS = (
    "op-ec",
    "op-rsa",
    "op-wrong-pin",
    "op-locked",
    "op-removable",
    "op-issue-ec",
    "op-login",
    "op-revoked",
)


@dataclass(frozen=True)
class SoftHsm:
    conf: Path
    token_dir: Path
    module: str
    token_dirs: dict[str, Path]  # label -> SoftHSM's directory for that token


def _module_path() -> str:
    for path in DEFAULT_MODULE_PATHS:
        if Path(path).exists():
            return path
    pytest.skip("SoftHSM2 module not installed")


# tests/services imports these fixtures too; the stash keeps one SoftHSM set-up and one library per test session.
SOFTHSM_KEY = pytest.StashKey[SoftHsm]()
LIBRARY_KEY = pytest.StashKey[TokenLibrary]()
CA_KEY = pytest.StashKey[CertificateAuthority]()


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> SoftHsm:
    if SOFTHSM_KEY not in pytestconfig.stash:
        pytestconfig.stash[SOFTHSM_KEY] = _make_softhsm(tmp_path_factory, pytestconfig)
    return pytestconfig.stash[SOFTHSM_KEY]


def _make_softhsm(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> SoftHsm:
    if shutil.which("softhsm2-util") is None:
        pytest.skip("softhsm2-util not installed")
    base = tmp_path_factory.mktemp("softhsm")
    token_dir = base / "tokens"
    token_dir.mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {token_dir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = true\n",
        encoding="utf-8",
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    token_dirs: dict[str, Path] = {}
    for label in TOKEN_LABELS:
        before = set(token_dir.iterdir())
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", USER_PIN, "--so-pin", SO_PIN],
            check=True,
            capture_output=True,
            env={**os.environ, "SOFTHSM2_CONF": str(conf)},
        )
        (created,) = set(token_dir.iterdir()) - before
        token_dirs[label] = created

    def restore() -> None:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous

    pytestconfig.add_cleanup(restore)
    return SoftHsm(conf, token_dir, _module_path(), token_dirs)


@pytest.fixture(scope="session")
def token_library(softhsm: SoftHsm, pytestconfig: pytest.Config) -> TokenLibrary:
    if LIBRARY_KEY not in pytestconfig.stash:
        library = TokenLibrary(softhsm.module)
        pytestconfig.stash[LIBRARY_KEY] = library
        pytestconfig.add_cleanup(library.close)
    return pytestconfig.stash[LIBRARY_KEY]


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> CertificateAuthority:
    """A P-256 root CA made by our tooling (fast); tests that need openssl's CA build their own."""
    if CA_KEY not in pytestconfig.stash:
        pytestconfig.stash[CA_KEY] = CertificateAuthority.create(
            tmp_path_factory.mktemp("ca"),
            root_name="测试平台根证书",
            organization="两法衔接平台",
            passphrase=CA_PASSPHRASE,
        )
    return pytestconfig.stash[CA_KEY]


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    """One RSA-2048 key for every software-RSA test (RSA key generation is slow)."""
    key = generate_private_key("rsa2048")
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def operator_holder(name: str = "张三", operator_id: str = "OP0001", code: str = AGENCY_CODE) -> Holder:
    return Holder(common_name=name, agency_name=AGENCY_NAME, agency_code=code, operator_id=operator_id)


def token_certificate(
    ca: CertificateAuthority, library: TokenLibrary, label: str, *, algorithm: str = "p256", days: int = 365
) -> x509.Certificate:
    """Generate a key on token ``label``, issue its operator certificate and write it back (as pki issue-operator)."""
    public = library.generate_key(label, USER_PIN, algorithm, b"\x01", "operator")  # type: ignore[arg-type]
    certificate = ca.issue("operator", operator_holder(label), public, days=days, now=_now())
    library.store_certificate(label, USER_PIN, certificate, b"\x01", "operator")
    return certificate


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)

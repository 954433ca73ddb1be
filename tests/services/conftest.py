"""A terminal enrolled for real (CA, key slots, encrypted store, SoftHSM tokens) for the identity service tests, and
a fresh store with a Monday clock for the case service tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.config import TerminalConfig
from app.crypto.pki.ca import CertificateAuthority
from app.crypto.pki.material import write_pkcs12
from app.crypto.profile import Holder
from app.crypto.signers import Pkcs12Signer
from app.models.store import Store
from app.services.enrollment import EnrolledTerminal, enroll_terminal
from tests.crypto.conftest import (  # noqa: F401  (fixtures shared with tests/crypto)
    AGENCY_CODE,
    AGENCY_NAME,
    ca,
    operator_holder,
    rsa_key,
    softhsm,
    token_library,
)
from tests.crypto.keyslot_support import terminal_on_machine
from tests.services.test_case_support import Clock, fresh_store, monday_clock

P12_PASSWORD = "p12-口令"


@dataclass
class Terminal:
    config: TerminalConfig
    enrolled: EnrolledTerminal
    first_operator_p12: Path
    ca: CertificateAuthority


def operator_p12(
    authority: CertificateAuthority, path: Path, holder: Holder, *, days: int = 365, now: dt.datetime | None = None
) -> tuple[Path, x509.Certificate]:
    """A P-256 operator key and certificate from ``authority`` in a PKCS#12 file."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = authority.issue("operator", holder, key.public_key(), days=days, now=now)
    write_pkcs12(path, key, certificate, [], P12_PASSWORD.encode(), holder.common_name)
    return path, certificate


@pytest.fixture
def terminal(tmp_path: Path, ca: CertificateAuthority) -> Terminal:  # noqa: F811
    config = terminal_on_machine(tmp_path, "pc")
    terminal_key = ec.generate_private_key(ec.SECP256R1())
    terminal_holder = Holder(common_name="XQ-SCJG-01", agency_name=AGENCY_NAME, agency_code=AGENCY_CODE)
    terminal_cert = ca.issue("terminal", terminal_holder, terminal_key.public_key(), days=365)
    first_path, _ = operator_p12(ca, tmp_path / "zhangsan.p12", operator_holder("张三", "OP0001"))
    enrolled = enroll_terminal(
        config,
        platform_roots_pem=ca.root.public_bytes(serialization.Encoding.PEM),
        terminal_bundle=Pkcs12Signer(terminal_key, terminal_cert),
        first_operator=Pkcs12Signer.from_file(first_path, P12_PASSWORD),
        first_operator_pkcs12=first_path,
        crl=ca.crl().public_bytes(serialization.Encoding.PEM),
    )
    return Terminal(config, enrolled, first_path, ca)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    yield from fresh_store(tmp_path)


@pytest.fixture
def clock() -> Clock:
    return monday_clock()

"""Helpers for the key-slot tests: operator certificates and keys, terminals on "machines", the slot file's lines."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from app.config import TerminalConfig
from app.crypto.keys import SoftwareKey

KeyKind = Literal["rsa", "ec"]
AGENCY_CODE = "11100000000013127D"


def new_private_key(kind: KeyKind) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    """A fresh RSA-2048 or P-256 key."""
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def operator_certificate(
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, name: str, operator_id: str
) -> x509.Certificate:
    """A self-signed certificate shaped like the operator profile (CN, O, OU = agency code, serialNumber)."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "某市公安局"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, AGENCY_CODE),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, operator_id),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(private_key, hashes.SHA256())
    )


def make_operator(kind: KeyKind, name: str = "张三", operator_id: str = "OP0001") -> SoftwareKey:
    """An operator: a certificate and its private key, as a ``SoftwareKey``."""
    key = new_private_key(kind)
    return SoftwareKey(key, operator_certificate(key, name, operator_id))


def impostor(operator: SoftwareKey, kind: KeyKind | None = None) -> SoftwareKey:
    """The operator's certificate paired with a different private key (same type unless ``kind`` says otherwise)."""
    if kind is None:
        kind = "rsa" if isinstance(operator.certificate.public_key(), rsa.RSAPublicKey) else "ec"
    return SoftwareKey(new_private_key(kind), operator.certificate)


def terminal_on_machine(tmp_path: Path, machine: str, data_dir: Path | None = None) -> TerminalConfig:
    """A terminal whose "machine" is a development keyring file of its own."""
    return TerminalConfig(
        data_dir=data_dir if data_dir is not None else tmp_path / f"terminal-{machine}",
        keyring_policy="development-file",
        development_keyring_file=tmp_path / f"keyring-{machine}.json",
    )


def slot_lines(path: Path) -> dict[str, str]:
    """Each slot's JSON object exactly as written in the file, keyed by slot id."""
    lines: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.removesuffix(",")
        if text.startswith('{"'):
            lines[json.loads(text)["id"]] = text
    return lines


def edit_slot_file(path: Path, edit: Any) -> None:
    """Rewrite the slot file after ``edit(document)`` changed its parsed JSON in place (a tamperer's edit)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    edit(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def flip_base64(value: str) -> str:
    """The same base64 text with its first character changed (a one-bit-ish edit that stays valid base64)."""
    first = "B" if value[0] != "B" else "C"
    return first + value[1:]

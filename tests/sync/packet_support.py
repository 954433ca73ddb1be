"""A small test PKI following the certificate profile: root, intermediate, operators, terminals, servers, CRLs.

Built with ``cryptography`` only, so that packet and platform tests do not depend on the identity engineer's tooling.
Subject: CN = person or machine, O = agency name, OU = 统一社会信用代码, serialNumber = operator ID.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.crypto.keys import SoftwareKey
from app.domain.identifiers import USCC_ALPHABET, uscc_check_character

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
UTC = dt.UTC


def make_uscc(seed: int) -> str:
    """A valid 统一社会信用代码 derived from ``seed`` (deterministic, so tests read the same every run)."""
    rng = random.Random(seed)
    body = "11" + "640104" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_check_character(body)


def new_key(kind: str = "ec") -> PrivateKey:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn: str, org: str | None = None, ou: str | None = None, serial: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attrs)


@dataclass
class Authority:
    """A CA that can issue certificates and CRLs."""

    key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    revoked: dict[int, dt.datetime] = field(default_factory=dict)
    crls_issued: int = 0  # each CRL gets the next number, as a CA's do: terminals take only a newer one

    @property
    def is_root(self) -> bool:
        return self.certificate.issuer == self.certificate.subject

    @property
    def issued_chain(self) -> tuple[x509.Certificate, ...]:
        """The intermediates a certificate issued by this authority presents (empty under the root)."""
        return () if self.is_root else (self.certificate, *self.chain)

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def _builder(
        self, subject: x509.Name, public_key: object, days: int, not_before: dt.datetime | None
    ) -> x509.CertificateBuilder:
        start = not_before or dt.datetime.now(UTC) - dt.timedelta(hours=1)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days))
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)  # type: ignore[arg-type]
        )

    def _end_entity(self, builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
        return builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)

    def issue_operator(
        self,
        name: str,
        agency_code: str,
        agency_name: str = "测试单位",
        operator_id: str = "OP-0001",
        key_kind: str = "ec",
        days: int = 365,
        not_before: dt.datetime | None = None,
    ) -> SoftwareKey:
        """An operator certificate (keyUsage digitalSignature + nonRepudiation) as a software signer."""
        key = new_key(key_kind)
        builder = self._builder(_name(name, agency_name, agency_code, operator_id), key.public_key(), days, not_before)
        builder = self._end_entity(builder).add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        cert = builder.sign(self.key, hashes.SHA256())  # type: ignore[arg-type]
        return SoftwareKey(key, cert, self.issued_chain)

    def issue_terminal(
        self, machine: str, agency_code: str, agency_name: str = "测试单位"
    ) -> tuple[PrivateKey, x509.Certificate]:
        """A terminal certificate with EKU clientAuth."""
        key = new_key("ec")
        builder = self._builder(_name(machine, agency_name, agency_code), key.public_key(), 365, None)
        builder = (
            self._end_entity(builder)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        )
        return key, builder.sign(self.key, hashes.SHA256())  # type: ignore[arg-type]

    def issue_server(self, host: str = "127.0.0.1") -> tuple[PrivateKey, x509.Certificate]:
        """A TLS server certificate for ``host`` (an IP address or a DNS name)."""
        key = new_key("ec")
        try:
            san: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            san = x509.DNSName(host)
        builder = self._builder(_name(host, "两法衔接平台"), key.public_key(), 365, None)
        builder = (
            self._end_entity(builder)
            .add_extension(x509.SubjectAlternativeName([san]), critical=False)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        )
        return key, builder.sign(self.key, hashes.SHA256())  # type: ignore[arg-type]

    def issue_intermediate(self, name: str = "测试中级CA") -> Authority:
        key = new_key("ec")
        builder = self._builder(_name(name, "两法衔接领导小组办公室"), key.public_key(), 3650, None)
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        cert = builder.sign(self.key, hashes.SHA256())  # type: ignore[arg-type]
        return Authority(key, cert, self.issued_chain)

    def revoke(self, certificate: x509.Certificate, when: dt.datetime | None = None) -> None:
        self.revoked[certificate.serial_number] = when or dt.datetime.now(UTC) - dt.timedelta(minutes=1)

    def crl(self, next_update_days: int = 7) -> x509.CertificateRevocationList:
        now = dt.datetime.now(UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + dt.timedelta(days=next_update_days))
        )
        self.crls_issued += 1
        builder = builder.add_extension(x509.CRLNumber(self.crls_issued), critical=False)
        for serial, when in self.revoked.items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        return builder.sign(self.key, hashes.SHA256())  # type: ignore[arg-type]

    def crl_pem(self) -> bytes:
        return self.crl().public_bytes(serialization.Encoding.PEM)


def make_root(name: str = "两法衔接测试根CA", key_kind: str = "ec") -> Authority:
    """A self-signed root CA."""
    key = new_key(key_kind)
    subject = _name(name, "两法衔接领导小组办公室")
    now = dt.datetime.now(UTC) - dt.timedelta(hours=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(key, cert)


def write_pem(path: Path, *items: x509.Certificate | x509.CertificateRevocationList) -> Path:
    path.write_bytes(b"".join(i.public_bytes(serialization.Encoding.PEM) for i in items))
    return path


def write_key(path: Path, key: PrivateKey) -> Path:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)
    return path


def directory_entries(agencies: Sequence[tuple[str, str, str]]) -> list[dict[str, str]]:
    """Agency directory rows from (code, name, kind) triples."""
    return [{"code": code, "name": name, "kind": kind} for code, name, kind in agencies]


@dataclass
class PacketWorld:
    """A platform's PKI and directory: root, intermediate, three agencies with one operator each, and the office."""

    root: Authority
    intermediate: Authority
    enforcement_code: str
    police_code: str
    other_code: str
    procuratorate_code: str
    office_code: str
    enforcement_operator: SoftwareKey
    police_operator: SoftwareKey
    other_operator: SoftwareKey
    office_operator: SoftwareKey

    def directory_json(self) -> bytes:
        import json

        rows = directory_entries(
            [
                (self.enforcement_code, "市场监督管理局", "enforcement"),
                (self.police_code, "公安分局", "police"),
                (self.other_code, "生态环境局", "enforcement"),
                (self.procuratorate_code, "人民检察院", "procuratorate"),
                (self.office_code, "两法衔接领导小组办公室", "linkage_office"),
            ]
        )
        return json.dumps({"agencies": rows}, ensure_ascii=False).encode("utf-8")

    def crls(self) -> list[x509.CertificateRevocationList]:
        return [self.root.crl(), self.intermediate.crl()]


def make_world(key_kind: str = "ec") -> PacketWorld:
    """A fresh PKI and directory; operators use ``key_kind`` keys (rsa or ec)."""
    root = make_root()
    intermediate = root.issue_intermediate()
    codes = [make_uscc(seed) for seed in (11, 22, 33, 44, 55)]
    return PacketWorld(
        root=root,
        intermediate=intermediate,
        enforcement_code=codes[0],
        police_code=codes[1],
        other_code=codes[2],
        procuratorate_code=codes[3],
        office_code=codes[4],
        enforcement_operator=intermediate.issue_operator("张执法", codes[0], "市场监督管理局", "ENF-001", key_kind),
        police_operator=intermediate.issue_operator("李警官", codes[1], "公安分局", "POL-001", key_kind),
        other_operator=intermediate.issue_operator("王环保", codes[2], "生态环境局", "ENV-001", key_kind),
        office_operator=root.issue_operator("赵办公", codes[4], "两法衔接领导小组办公室", "OFF-001", key_kind),
    )


def packet_parts(data: bytes) -> dict[str, bytes]:
    """The entries of a (trusted, test-made) packet archive."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}

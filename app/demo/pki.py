"""The demo PKI: one platform root CA (with its CRL), the platform's TLS and receipt certificates, a terminal
certificate per agency and a PKCS#12 file per operator. Everything is written under the demo folder."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.crypto.keys import SoftwareKey
from app.crypto.pki.ca import CertificateAuthority
from app.crypto.pki.material import generate_private_key, write_pkcs12
from app.crypto.profile import Holder
from app.crypto.signers import Pkcs12Signer
from app.demo.agencies import DEMO_PIN, OFFICE, DemoAgency, DemoOperator
from app.files import atomic_write_bytes

CA_PASSPHRASE = b"demo-ca-passphrase"  # the demo CA's key file passphrase: public, like the PINs
CERT_DAYS = 730


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def key_pem(key: object) -> bytes:
    if not hasattr(key, "private_bytes"):
        raise TypeError("not a private key")
    data: bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return data


@dataclass
class DemoPki:
    """The CA of the demo platform and where its public files are (``pki/root.pem``, ``pki/crl.pem``)."""

    folder: Path
    ca: CertificateAuthority

    @classmethod
    def create(cls, folder: Path) -> DemoPki:
        ca = CertificateAuthority.create(
            folder / "ca", root_name="两法衔接平台根证书（演示）", organization="两法衔接平台", passphrase=CA_PASSPHRASE
        )
        pki = cls(folder, ca)
        atomic_write_bytes(pki.root_pem_path, pem(ca.root), mode=0o644)
        pki.publish_crl()
        return pki

    @property
    def root_pem_path(self) -> Path:
        return self.folder / "root.pem"

    @property
    def crl_pem_path(self) -> Path:
        return self.folder / "crl.pem"

    @property
    def root_pem(self) -> bytes:
        return pem(self.ca.root)

    def publish_crl(self) -> bytes:
        """Sign a fresh CRL and keep it as ``crl.pem``; returns its PEM."""
        data = self.ca.crl().public_bytes(serialization.Encoding.PEM)
        atomic_write_bytes(self.crl_pem_path, data, mode=0o644)
        return data

    def server(self, folder: Path) -> tuple[Path, Path]:
        """The platform's TLS certificate for 127.0.0.1 and its key, written into ``folder``."""
        key = generate_private_key("p256")
        holder = Holder(common_name="127.0.0.1", agency_name="两法衔接平台", agency_code=OFFICE.code)
        san = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        certificate = self.ca.issue("server", holder, key.public_key(), days=CERT_DAYS, sans=[san])
        return self._write_pair(folder, "server", certificate, key)

    def receipt_signer(self, folder: Path) -> tuple[SoftwareKey, Path, Path]:
        """The office's signing certificate: it signs the platform's receipts and the agency directory."""
        key = generate_private_key("p256")
        holder = Holder(
            common_name="平台回执签章", agency_name=OFFICE.name, agency_code=OFFICE.code, operator_id="PLATFORM-1"
        )
        certificate = self.ca.issue("operator", holder, key.public_key(), days=CERT_DAYS)
        cert_path, key_path = self._write_pair(folder, "receipt", certificate, key)
        return SoftwareKey(key, certificate), cert_path, key_path

    def terminal(self, agency: DemoAgency) -> Pkcs12Signer:
        """The terminal certificate of ``agency``'s dedicated computer (its key is sealed in the store later)."""
        key = generate_private_key("p256")
        holder = Holder(common_name=agency.terminal_name, agency_name=agency.name, agency_code=agency.code)
        certificate = self.ca.issue("terminal", holder, key.public_key(), days=CERT_DAYS)
        return Pkcs12Signer(key, certificate)

    def operator(self, agency: DemoAgency, operator: DemoOperator, folder: Path) -> Path:
        """The operator's PKCS#12 file (PIN ``DEMO_PIN``) in ``folder``."""
        key = generate_private_key("p256")
        holder = Holder(
            common_name=operator.name, agency_name=agency.name, agency_code=agency.code,
            operator_id=operator.operator_id,
        )  # fmt: skip
        certificate = self.ca.issue("operator", holder, key.public_key(), days=CERT_DAYS)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{operator.file_stem}.p12"
        write_pkcs12(path, key, certificate, [self.ca.root], DEMO_PIN.encode(), operator.name)
        return path

    @staticmethod
    def _write_pair(folder: Path, stem: str, certificate: x509.Certificate, key: object) -> tuple[Path, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        cert_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
        atomic_write_bytes(cert_path, pem(certificate), mode=0o644)
        atomic_write_bytes(key_path, key_pem(key), mode=0o600)
        return cert_path, key_path

"""A certificate authority kept in a directory: root (and optional intermediate) keys encrypted under a passphrase,
an index of issued and revoked serials, the latest CRL. Every file is written atomically.

Layout::

    ca.json                 which certificate issues (root or intermediate), CRL number
    root.pem, root.key      root certificate, PKCS#8 key encrypted under the passphrase
    intermediate.pem/.key   optional
    index.json              every issued serial: subject, role, validity, revocation
    issued/<SERIAL>.pem     every issued certificate
    crl.pem                 the latest CRL of the issuing CA
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from app.crypto.errors import CaError
from app.crypto.pki.material import KeyAlgorithm, PrivateKey, PublicKey, encrypted_key_pem, generate_private_key
from app.crypto.profile import (
    CertificateRole,
    Holder,
    check_profile,
    operator_extensions,
    server_extensions,
    subject_name,
    terminal_extensions,
)
from app.files import atomic_write_bytes, atomic_write_text

ROOT_DAYS = 20 * 365
INTERMEDIATE_DAYS = 10 * 365
CRL_REASONS: dict[str, x509.ReasonFlags] = {flag.value: flag for flag in x509.ReasonFlags}


class CertificateAuthority:
    """An opened CA directory with its issuing key in memory. Build with ``create`` or ``open``."""

    def __init__(self, directory: Path, issuer_key: PrivateKey, chain: Sequence[x509.Certificate]) -> None:
        # chain[0] issues; chain[-1] is the root.
        self._directory = directory
        self._key = issuer_key
        self._chain = tuple(chain)

    def __repr__(self) -> str:
        return f"CertificateAuthority({self._directory}, issuer={self.issuer.subject.rfc4514_string()!r})"

    @property
    def root(self) -> x509.Certificate:
        return self._chain[-1]

    @property
    def issuer(self) -> x509.Certificate:
        """The certificate that signs end-entity certificates and the CRL."""
        return self._chain[0]

    @property
    def intermediates(self) -> tuple[x509.Certificate, ...]:
        """Certificates between an end entity and the root (what a PKCS#12 bundle carries as its chain)."""
        return self._chain[:-1]

    @classmethod
    def create(
        cls,
        directory: Path,
        *,
        root_name: str,
        organization: str,
        passphrase: bytes,
        algorithm: KeyAlgorithm = "p256",
        intermediate_name: str | None = None,
        now: dt.datetime | None = None,
    ) -> CertificateAuthority:
        """Initialise a new CA directory; refuses to overwrite an existing one."""
        directory = Path(directory)
        if (directory / "ca.json").exists():
            raise CaError(
                "CA directory already initialised", user_message=f"目录 {directory} 中已存在证书机构，未覆盖。"
            )
        if len(passphrase) < 8:
            raise CaError("CA passphrase too short", user_message="证书机构口令至少8个字符。")
        moment = now or _utcnow()
        root_key = generate_private_key(algorithm)
        root_subject = _ca_name(root_name, organization)
        root = _sign(
            root_key,
            root_subject,
            root_subject,
            root_key.public_key(),
            moment,
            ROOT_DAYS,
            _ca_extensions(root_key.public_key(), None, path_length=None if intermediate_name is None else 1),
        )
        atomic_write_bytes(directory / "root.key", encrypted_key_pem(root_key, passphrase))
        atomic_write_bytes(directory / "root.pem", root.public_bytes(serialization.Encoding.PEM), mode=0o644)
        chain = [root]
        issuer_key = root_key
        if intermediate_name is not None:
            issuer_key = generate_private_key(algorithm)
            intermediate = _sign(
                root_key,
                root_subject,
                _ca_name(intermediate_name, organization),
                issuer_key.public_key(),
                moment,
                INTERMEDIATE_DAYS,
                _ca_extensions(issuer_key.public_key(), root, path_length=0),
            )
            atomic_write_bytes(directory / "intermediate.key", encrypted_key_pem(issuer_key, passphrase))
            pem = intermediate.public_bytes(serialization.Encoding.PEM)
            atomic_write_bytes(directory / "intermediate.pem", pem, mode=0o644)
            chain.insert(0, intermediate)
        _write_json(directory / "index.json", {"certificates": []})
        _write_json(
            directory / "ca.json", {"version": 1, "intermediate": intermediate_name is not None, "crl_number": 0}
        )
        return cls(directory, issuer_key, chain)

    @classmethod
    def open(cls, directory: Path, passphrase: bytes) -> CertificateAuthority:
        """Open an initialised CA directory, decrypting the issuing key with ``passphrase``."""
        directory = Path(directory)
        meta = _read_json(directory / "ca.json")
        root = _load_cert(directory / "root.pem")
        chain = [root]
        stem = "root"
        if meta.get("intermediate"):
            chain.insert(0, _load_cert(directory / "intermediate.pem"))
            stem = "intermediate"
        try:
            key = serialization.load_pem_private_key((directory / f"{stem}.key").read_bytes(), passphrase)
        except (ValueError, TypeError):
            raise CaError("CA key did not decrypt", user_message="证书机构口令错误，或私钥文件已损坏。") from None
        except OSError as exc:
            raise CaError(f"CA key unreadable: {exc.strerror}", user_message="无法读取证书机构私钥文件。") from None
        if not isinstance(key, PrivateKey):
            raise CaError("unsupported CA key type", user_message="证书机构私钥类型不受支持。")
        return cls(directory, key, chain)

    def issue(
        self,
        role: CertificateRole,
        holder: Holder,
        public_key: PublicKey,
        *,
        days: int,
        sans: Sequence[x509.GeneralName] = (),
        now: dt.datetime | None = None,
    ) -> x509.Certificate:
        """Issue a profile-conforming certificate for ``public_key``, record it in the index and keep a copy."""
        if role == "operator":
            extensions = operator_extensions()
        elif role == "terminal":
            extensions = terminal_extensions()
        else:
            if not sans:
                raise CaError("server certificate without SAN", user_message="服务器证书至少需要一个域名或 IP 地址。")
            extensions = server_extensions(list(sans))
        extensions += _key_identifiers(public_key, self.issuer)
        moment = now or _utcnow()
        certificate = _sign(self._key, self.issuer.subject, subject_name(holder), public_key, moment, days, extensions)
        check_profile(certificate, role)  # our own output must pass the same check as anyone else's
        serial = _serial_hex(certificate.serial_number)
        atomic_write_bytes(
            self._directory / "issued" / f"{serial}.pem",
            certificate.public_bytes(serialization.Encoding.PEM),
            mode=0o644,
        )
        index = self._index()
        index["certificates"].append(
            {
                "serial": serial,
                "role": role,
                "subject": certificate.subject.rfc4514_string(),
                "not_after": certificate.not_valid_after_utc.isoformat(),
                "revoked_at": None,
                "reason": None,
            }
        )
        _write_json(self._directory / "index.json", index)
        return certificate

    def revoke(self, serial: str | int, *, reason: str = "unspecified", now: dt.datetime | None = None) -> None:
        """Mark an issued serial revoked; the next ``crl`` lists it."""
        wanted = _serial_hex(serial) if isinstance(serial, int) else serial.strip().upper().removeprefix("0X")
        if reason not in CRL_REASONS:
            raise CaError(f"unknown reason {reason!r}", user_message=f"未知的吊销原因：{reason}。")
        index = self._index()
        for entry in index["certificates"]:
            if entry["serial"].lstrip("0") == wanted.lstrip("0"):
                if entry["revoked_at"] is None:
                    entry["revoked_at"] = (now or _utcnow()).isoformat()
                    entry["reason"] = reason
                    _write_json(self._directory / "index.json", index)
                return
        raise CaError(f"serial {wanted} not issued here", user_message=f"本证书机构未签发序列号为 {wanted} 的证书。")

    def crl(self, *, next_update_hours: int = 168, now: dt.datetime | None = None) -> x509.CertificateRevocationList:
        """Sign a new CRL of every revoked serial, with nextUpdate, and keep it as ``crl.pem``."""
        moment = now or _utcnow()
        meta = _read_json(self._directory / "ca.json")
        number = int(meta.get("crl_number", 0)) + 1
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.issuer.subject)
            .last_update(moment)
            .next_update(moment + dt.timedelta(hours=next_update_hours))
            .add_extension(x509.CRLNumber(number), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(_ca_key(self.issuer)), critical=False)
        )
        for entry in self._index()["certificates"]:
            if entry["revoked_at"] is None:
                continue
            revoked = (
                x509.RevokedCertificateBuilder()
                .serial_number(int(entry["serial"], 16))
                .revocation_date(dt.datetime.fromisoformat(entry["revoked_at"]))
            )
            if entry["reason"] and entry["reason"] != "unspecified":
                revoked = revoked.add_extension(x509.CRLReason(CRL_REASONS[entry["reason"]]), critical=False)
            builder = builder.add_revoked_certificate(revoked.build())
        crl = builder.sign(self._key, hashes.SHA256())
        atomic_write_bytes(self._directory / "crl.pem", crl.public_bytes(serialization.Encoding.PEM), mode=0o644)
        meta["crl_number"] = number
        _write_json(self._directory / "ca.json", meta)
        return crl

    def issued(self) -> list[dict[str, Any]]:
        """The index: one record per issued certificate (serial, role, subject, not_after, revoked_at, reason)."""
        return list(self._index()["certificates"])

    def _index(self) -> dict[str, Any]:
        return _read_json(self._directory / "index.json")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _serial_hex(serial: int) -> str:
    return f"{serial:X}"


def _ca_name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_extensions(
    public_key: PublicKey, parent: x509.Certificate | None, *, path_length: int | None
) -> list[tuple[x509.ExtensionType, bool]]:
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=True, path_length=path_length), True),
        (usage, True),
        (x509.SubjectKeyIdentifier.from_public_key(public_key), False),
    ]
    if parent is not None:
        extensions.append((x509.AuthorityKeyIdentifier.from_issuer_public_key(_ca_key(parent)), False))
    return extensions


def _ca_key(certificate: x509.Certificate) -> PublicKey:
    key = certificate.public_key()
    if not isinstance(key, PublicKey):
        raise CaError("CA certificate has an unsupported key")
    return key


def _key_identifiers(public_key: PublicKey, issuer: x509.Certificate) -> list[tuple[x509.ExtensionType, bool]]:
    return [
        (x509.SubjectKeyIdentifier.from_public_key(public_key), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(_ca_key(issuer)), False),
    ]


def _sign(
    signing_key: PrivateKey,
    issuer: x509.Name,
    subject: x509.Name,
    public_key: PublicKey,
    now: dt.datetime,
    days: int,
    extensions: list[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .issuer_name(issuer)
        .subject_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))  # tolerate small clock skew between CA and terminals
        .not_valid_after(now + dt.timedelta(days=days))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256())


def _load_cert(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        raise CaError(f"cannot read {path.name}", user_message=f"无法读取证书机构文件 {path.name}。") from None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaError(
            f"{path.name} missing", user_message=f"证书机构目录不完整（缺少 {path.name}），请先执行 init。"
        ) from None
    except (OSError, ValueError):
        raise CaError(f"cannot read {path.name}", user_message=f"证书机构文件 {path.name} 已损坏。") from None
    if not isinstance(data, dict):
        raise CaError(f"{path.name} is not an object", user_message=f"证书机构文件 {path.name} 已损坏。")
    return data


def _write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")

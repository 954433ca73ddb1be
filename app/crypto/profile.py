"""The platform's certificate profile (docs/certificate-profile.md): what every operator, terminal and server
certificate must carry, whoever issued it — our ``lianjie pki`` or a stock OpenSSL CA.

Subject: CN = person or machine name, O = agency name, OU = the agency's 统一社会信用代码 (GB 32100-2015, check
character validated), serialNumber = operator ID (operators only). Operators: keyUsage digitalSignature +
nonRepudiation. Terminals: EKU clientAuth. Servers: EKU serverAuth and at least one SAN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.crypto.errors import ProfileViolation
from app.domain.identifiers import InvalidCreditCode, validate_credit_code

CertificateRole = Literal["operator", "terminal", "server"]

MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class Holder:
    """Who a certificate names, read per the profile."""

    common_name: str
    agency_name: str
    agency_code: str
    operator_id: str | None = None


def subject_name(holder: Holder) -> x509.Name:
    """The subject DN for ``holder`` (validates the agency code first)."""
    code = _checked_code(holder.agency_code)
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, holder.agency_name),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, code),
        x509.NameAttribute(NameOID.COMMON_NAME, holder.common_name),
    ]
    if holder.operator_id:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, holder.operator_id))
    return x509.Name(attributes)


def read_holder(certificate: x509.Certificate) -> Holder:
    """The holder named by ``certificate``'s subject; ``ProfileViolation`` if CN, O or a valid OU is missing."""
    subject = certificate.subject
    common_name = _single(subject, NameOID.COMMON_NAME, "CN（姓名/机器名）")
    agency_name = _single(subject, NameOID.ORGANIZATION_NAME, "O（单位名称）")
    agency_code = _checked_code(_single(subject, NameOID.ORGANIZATIONAL_UNIT_NAME, "OU（统一社会信用代码）"))
    serials = subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    operator_id = str(serials[0].value) if len(serials) == 1 else None
    return Holder(common_name, agency_name, agency_code, operator_id)


def check_profile(certificate: x509.Certificate, role: CertificateRole) -> Holder:
    """Check ``certificate`` against the profile for ``role`` and return its holder."""
    holder = read_holder(certificate)
    _check_key(certificate)
    if _is_ca(certificate):
        raise ProfileViolation(
            "end-entity certificate is a CA", user_message="证书为证书机构证书，不能用于登录或通信。"
        )
    if role == "operator":
        if not holder.operator_id:
            raise ProfileViolation(
                "operator certificate lacks serialNumber", user_message="操作员证书缺少操作员编号（serialNumber）。"
            )
        usage = _key_usage(certificate)
        if usage is None or not (usage.digital_signature and usage.content_commitment):
            raise ProfileViolation(
                "operator keyUsage lacks digitalSignature/nonRepudiation",
                user_message="操作员证书的密钥用途须包含数字签名和不可否认（digitalSignature、nonRepudiation）。",
            )
    elif role == "terminal":
        if ExtendedKeyUsageOID.CLIENT_AUTH not in _extended_usages(certificate):
            raise ProfileViolation(
                "terminal certificate lacks EKU clientAuth", user_message="终端证书缺少客户端认证用途（clientAuth）。"
            )
    else:
        if ExtendedKeyUsageOID.SERVER_AUTH not in _extended_usages(certificate):
            raise ProfileViolation(
                "server certificate lacks EKU serverAuth", user_message="服务器证书缺少 serverAuth 用途。"
            )
        try:
            certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        except x509.ExtensionNotFound:
            raise ProfileViolation(
                "server certificate lacks SAN", user_message="服务器证书缺少主题备用名称。"
            ) from None
    return holder


def operator_extensions() -> list[tuple[x509.ExtensionType, bool]]:
    """Extensions our CA puts in an operator certificate (beyond key identifiers)."""
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_usage(digital_signature=True, content_commitment=True), True),
    ]


def terminal_extensions() -> list[tuple[x509.ExtensionType, bool]]:
    """Extensions our CA puts in a terminal (machine, mTLS client) certificate."""
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_usage(digital_signature=True, key_agreement=True, key_encipherment=True), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
    ]


def server_extensions(sans: list[x509.GeneralName]) -> list[tuple[x509.ExtensionType, bool]]:
    """Extensions of the platform's TLS server certificate."""
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_usage(digital_signature=True, key_agreement=True, key_encipherment=True), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.SubjectAlternativeName(sans), False),
    ]


def _usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_encipherment: bool = False,
    key_agreement: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=key_agreement,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _checked_code(code: str) -> str:
    try:
        return validate_credit_code(code)
    except InvalidCreditCode as exc:
        raise ProfileViolation(
            f"agency code in OU invalid: {exc}",
            user_message=f"证书中的单位统一社会信用代码（OU）无效：{exc.user_message}",
        ) from None


def _single(name: x509.Name, oid: x509.ObjectIdentifier, label: str) -> str:
    values = name.get_attributes_for_oid(oid)
    if len(values) != 1 or not str(values[0].value).strip():
        raise ProfileViolation(
            f"subject needs exactly one {oid.dotted_string}", user_message=f"证书主题须有且仅有一个 {label}。"
        )
    return str(values[0].value).strip()


def _check_key(certificate: x509.Certificate) -> None:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= MIN_RSA_BITS:
        return
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return
    raise ProfileViolation(
        "unsupported key type", user_message="证书密钥类型不受支持（须为 RSA-2048 及以上或 ECDSA P-256）。"
    )


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _key_usage(certificate: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _extended_usages(certificate: x509.Certificate) -> list[x509.ObjectIdentifier]:
    try:
        return list(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return []

"""CMS SignedData (RFC 5652) built around a ``Signer`` that only signs bytes, and its strict verification.

A token key cannot be exported, so we build the SignedAttributes ourselves (contentType, signingTime, messageDigest),
DER-encode them as a SET OF in canonical order (OpenSSL re-encodes them that way before checking), and have the
signer sign that encoding. There is exactly one encoding for given certificates, attributes and signature: the
verifier takes the parts out, rebuilds that encoding and requires the input to equal it, so no byte of the file can
change unnoticed (versions, algorithm identifiers, signer identifier included).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from app.crypto.keys import Signer
from app.sync.packet import der
from app.sync.packet.errors import SignatureInvalid

_SIGNED_DATA = der.oid("1.2.840.113549.1.7.2")
_DATA = der.oid("1.2.840.113549.1.7.1")
_SHA256 = der.tlv(der.SEQUENCE, der.oid("2.16.840.1.101.3.4.2.1"))
_SHA256_RSA = der.tlv(der.SEQUENCE, der.oid("1.2.840.113549.1.1.11") + der.tlv(der.NULL, b""))
_SHA256_ECDSA = der.tlv(der.SEQUENCE, der.oid("1.2.840.10045.4.3.2"))
_ATTR_CONTENT_TYPE = der.oid("1.2.840.113549.1.9.3")
_ATTR_MESSAGE_DIGEST = der.oid("1.2.840.113549.1.9.4")
_ATTR_SIGNING_TIME = der.oid("1.2.840.113549.1.9.5")
_VERSION_1 = der.integer(1)
_DIGEST_ALGORITHMS = der.set_of([_SHA256])
_DETACHED = der.tlv(der.SEQUENCE, _DATA)


@dataclass(frozen=True)
class CmsSignature:
    """What a valid CMS signature tells: who signed (with the certificates they sent), when they say, and what."""

    signer_certificate: x509.Certificate
    certificates: tuple[x509.Certificate, ...]
    signing_time: dt.datetime
    content: bytes
    content_sha256: bytes  # the messageDigest the signer signed, so callers need not hash the content again


def _attribute(type_oid: bytes, value: bytes) -> bytes:
    return der.tlv(der.SEQUENCE, type_oid + der.set_of([value]))


# The three attributes as ``sign`` writes them, less the signing time's 13 characters and the digest's 32 bytes.
_CONTENT_TYPE_ATTRIBUTE = _attribute(_ATTR_CONTENT_TYPE, _DATA)
_SIGNING_TIME_PREFIX = _attribute(_ATTR_SIGNING_TIME, der.tlv(der.UTC_TIME, bytes(13)))[:-13]
_DIGEST_PREFIX = _attribute(_ATTR_MESSAGE_DIGEST, der.tlv(der.OCTET_STRING, bytes(32)))[:-32]
_UTC_TIME_FORMAT = "%y%m%d%H%M%SZ"
_UTC_TIME = re.compile(rb"([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-5][0-9])Z")
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


def _signed_attributes(content: bytes, signing_time: dt.datetime) -> list[bytes]:
    # UTCTime covers 1950-2049 (RFC 5652 §11.3), long enough for this system.
    when = signing_time.astimezone(dt.UTC).strftime(_UTC_TIME_FORMAT).encode("ascii")
    return [
        _attribute(_ATTR_CONTENT_TYPE, _DATA),
        _attribute(_ATTR_SIGNING_TIME, der.tlv(der.UTC_TIME, when)),
        _attribute(_ATTR_MESSAGE_DIGEST, der.tlv(der.OCTET_STRING, hashlib.sha256(content).digest())),
    ]


@dataclass(frozen=True)
class _Signer:
    """What a certificate contributes to every SignedData it signs, parsed and encoded once per certificate."""

    certificate: x509.Certificate
    public_key: object
    sid: bytes  # IssuerAndSerialNumber
    algorithm: bytes


MAX_CACHED_CERTIFICATE = 8 * 1024  # our profile's certificates are ~1 KB; anything larger is parsed every time


def _signer_of(certificate_der: bytes) -> _Signer:
    """Parsing a certificate and re-encoding its issuer name costs more than the ECDSA check itself; packets and
    receipts come from a few dozen certificates, so each is parsed once (keyed by its exact bytes)."""
    if len(certificate_der) > MAX_CACHED_CERTIFICATE:
        return _parse_signer(certificate_der)
    return _cached_signer(certificate_der)


def _parse_signer(certificate_der: bytes) -> _Signer:
    certificate = x509.load_der_x509_certificate(certificate_der)
    sid = der.tlv(der.SEQUENCE, certificate.issuer.public_bytes() + der.integer(certificate.serial_number))
    return _Signer(certificate, certificate.public_key(), sid, _signature_algorithm(certificate))


_cached_signer = functools.lru_cache(maxsize=128)(_parse_signer)
_cached_certificate = functools.lru_cache(maxsize=128)(x509.load_der_x509_certificate)


def _certificate(certificate_der: bytes) -> x509.Certificate:
    if len(certificate_der) > MAX_CACHED_CERTIFICATE:
        return x509.load_der_x509_certificate(certificate_der)
    return _cached_certificate(certificate_der)


def _signature_algorithm(certificate: x509.Certificate) -> bytes:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return _SHA256_RSA
    if isinstance(key, ec.EllipticCurvePublicKey):
        return _SHA256_ECDSA
    raise SignatureInvalid(f"unsupported signer key {type(key).__name__}")


def _assemble(
    certificates_der: Sequence[bytes],
    signer: _Signer,
    signed_attrs: list[bytes],
    signature: bytes,
    content: bytes | None,
) -> bytes:
    signer_info = der.tlv(
        der.SEQUENCE,
        b"".join(
            (
                _VERSION_1,
                signer.sid,
                _SHA256,
                der.tlv(der.CONTEXT_0, b"".join(sorted(signed_attrs))),
                signer.algorithm,
                der.tlv(der.OCTET_STRING, signature),
            )
        ),
    )
    encap = (
        _DETACHED
        if content is None
        else der.tlv(der.SEQUENCE, _DATA + der.tlv(der.CONTEXT_0, der.tlv(der.OCTET_STRING, content)))
    )
    signed_data = der.tlv(
        der.SEQUENCE,
        b"".join(
            (
                _VERSION_1,
                _DIGEST_ALGORITHMS,
                encap,
                # Signer first, then its chain: BER order, which OpenSSL accepts and which makes the signer easy to
                # find.
                der.tlv(der.CONTEXT_0, b"".join(certificates_der)),
                der.tlv(der.SET, signer_info),
            )
        ),
    )
    return der.tlv(der.SEQUENCE, _SIGNED_DATA + der.tlv(der.CONTEXT_0, signed_data))


def sign(content: bytes, signer: Signer, *, detached: bool = True, signing_time: dt.datetime | None = None) -> bytes:
    """A DER ``ContentInfo`` holding SignedData over ``content``, with the signer's certificate and chain."""
    when = signing_time or dt.datetime.now(dt.UTC)
    attrs = _signed_attributes(content, when)
    signature = signer.sign(der.set_of(attrs))
    certs = [c.public_bytes(serialization.Encoding.DER) for c in (signer.certificate, *signer.chain)]
    return _assemble(certs, _signer_of(certs[0]), attrs, signature, None if detached else content)


def _check_signature(key: object, signature: bytes, data: bytes) -> None:
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, _ECDSA_SHA256)
        else:
            raise SignatureInvalid(f"unsupported signer key {type(key).__name__}")
    except InvalidSignature:
        raise SignatureInvalid("CMS signature does not verify") from None


def verify(p7s: bytes, content: bytes | None = None) -> CmsSignature:
    """Check a SignedData made by ``sign`` (detached when ``content`` is given). Chain trust is the caller's job."""
    try:
        return _verify(p7s, content)
    except (der.DerError, ValueError, IndexError, UnicodeDecodeError, UnsupportedAlgorithm) as exc:
        raise SignatureInvalid(f"CMS structure unreadable: {exc}") from None


def _only(found: list[tuple[int, int, int, int]], tag: int, what: str) -> tuple[int, int, int, int]:
    if not found or found[0][0] != tag:
        raise SignatureInvalid(f"expected {what}")
    return found[0]


def _verify(p7s: bytes, content: bytes | None) -> CmsSignature:
    # Walk to the parts we need; everything else is proven canonical by the rebuild below.
    _, start, end, _ = der.read(p7s)
    info = der.children(p7s, start, end)
    _, sd_start, _, _ = _only(info[1:], der.CONTEXT_0, "SignedData")
    _, sd_body, sd_body_end, _ = der.read(p7s, sd_start)
    parts = der.children(p7s, sd_body, sd_body_end)
    if len(parts) != 5:
        raise SignatureInvalid("SignedData must have certificates and exactly its five fields")
    _, enc_start, enc_end, _ = parts[2]
    encap = der.children(p7s, enc_start, enc_end)
    embedded: bytes | None = None
    if len(encap) == 2:
        _, wrapped_start, _, _ = encap[1]
        _, oct_start, oct_end, _ = der.read(p7s, wrapped_start)
        embedded = p7s[oct_start:oct_end]
    if (content is None) == (embedded is None):
        raise SignatureInvalid("content must be either detached or embedded")
    data: bytes = content if content is not None else embedded  # type: ignore[assignment]
    _, certs_start, certs_end, _ = _only(parts[3:4], der.CONTEXT_0, "certificates")
    certificates_der = [p7s[el:body_end] for _, _, body_end, el in der.children(p7s, certs_start, certs_end)]
    if not certificates_der:
        raise SignatureInvalid("no certificates in SignedData")
    _, infos_start, infos_end, _ = parts[4]
    signer_infos = der.children(p7s, infos_start, infos_end)
    if len(signer_infos) != 1:
        raise SignatureInvalid(f"{len(signer_infos)} signers, expected exactly one")
    _, si_start, si_end, _ = signer_infos[0]
    si_parts = der.children(p7s, si_start, si_end)
    if len(si_parts) != 6:
        raise SignatureInvalid("SignerInfo must carry signed attributes and no unsigned ones")
    _, attrs_start, attrs_end, _ = _only(si_parts[3:4], der.CONTEXT_0, "signed attributes")
    attrs = [p7s[el:body_end] for _, _, body_end, el in der.children(p7s, attrs_start, attrs_end)]
    _, sig_start, sig_end, _ = si_parts[5]
    signature = p7s[sig_start:sig_end]
    try:
        signer = _signer_of(certificates_der[0])
    except (ValueError, x509.InvalidVersion, UnsupportedAlgorithm):
        raise SignatureInvalid("signer certificate unreadable or of an unsupported algorithm") from None
    if _assemble(certificates_der, signer, attrs, signature, embedded) != p7s:
        raise SignatureInvalid("CMS encoding is not the canonical one")
    digest = hashlib.sha256(data).digest()
    signing_time = _check_attributes(attrs, digest)
    _check_signature(signer.public_key, signature, der.set_of(attrs))
    try:
        certificates = (signer.certificate, *(_certificate(d) for d in certificates_der[1:]))
    except (ValueError, x509.InvalidVersion, UnsupportedAlgorithm):
        raise SignatureInvalid("a certificate in SignedData is unreadable") from None
    return CmsSignature(signer.certificate, certificates, signing_time, data, digest)


def _check_attributes(attrs: list[bytes], digest: bytes) -> dt.datetime:
    """The three signed attributes, each once: contentType = data, messageDigest = ``digest``, signingTime.

    Attributes exactly as ``sign`` writes them are compared whole; any others are taken apart by
    ``_check_attributes_one_by_one``, which names the fault."""
    if (
        len(attrs) == 3
        and attrs[0] == _CONTENT_TYPE_ATTRIBUTE
        and attrs[2] == _DIGEST_PREFIX + digest
        and len(attrs[1]) == len(_SIGNING_TIME_PREFIX) + 13
        and attrs[1].startswith(_SIGNING_TIME_PREFIX)
    ):
        return _utc_time(attrs[1][-13:])
    return _check_attributes_one_by_one(attrs, digest)


def _utc_time(raw: bytes) -> dt.datetime:
    """UTCTime YYMMDDHHMMSSZ read as ``strptime`` reads it, without its cost; ``strptime`` itself for anything else."""
    match = _UTC_TIME.fullmatch(raw)
    if match is not None:
        year, month, day, hour, minute, second = (int(field) for field in match.groups())
        try:
            # strptime's %y: 69-99 are 1969-1999, 00-68 are 2000-2068.
            return dt.datetime(year + (1900 if year >= 69 else 2000), month, day, hour, minute, second, tzinfo=dt.UTC)
        except ValueError:
            pass
    return dt.datetime.strptime(raw.decode("ascii"), _UTC_TIME_FORMAT).replace(tzinfo=dt.UTC)


def _check_attributes_one_by_one(attrs: list[bytes], digest: bytes) -> dt.datetime:
    values: dict[bytes, bytes] = {}
    for attr in attrs:
        _, start, end, _ = der.read(attr)
        (oid_tag, _, oid_end, oid_el), (set_tag, set_start, set_end, _) = der.children(attr, start, end)
        if oid_tag != der.OID or set_tag != der.SET:
            raise SignatureInvalid("malformed signed attribute")
        type_oid = attr[oid_el:oid_end]
        members = [attr[el:body_end] for _, _, body_end, el in der.children(attr, set_start, set_end)]
        if type_oid in values or len(members) != 1:
            raise SignatureInvalid("signed attribute repeated or multi-valued")
        values[type_oid] = members[0]
    if set(values) != {_ATTR_CONTENT_TYPE, _ATTR_MESSAGE_DIGEST, _ATTR_SIGNING_TIME}:
        raise SignatureInvalid("signed attributes must be exactly contentType, signingTime and messageDigest")
    if values[_ATTR_CONTENT_TYPE] != _DATA:
        raise SignatureInvalid("content type is not data")
    if values[_ATTR_MESSAGE_DIGEST] != der.tlv(der.OCTET_STRING, digest):
        raise SignatureInvalid("message digest does not match the content")
    time_el = values[_ATTR_SIGNING_TIME]
    if time_el[0] != der.UTC_TIME:
        raise SignatureInvalid("signing time is not UTCTime")
    return _utc_time(time_el[2:])

"""What the office has published (CRL, agency directory, calendar, rules) and the trust built from it, reloaded
whenever a published file changes.

The platform refuses to start without a CRL and an agency directory: without them it could neither check
terminals and signers nor decide who may see what. Publishing is an atomic file replacement (``lianjie-platform
publish``), so a reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import logging
import re
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from app.crypto.keys import SoftwareKey
from app.domain.deadlines import YearCalendar, parse_calendar
from app.domain.errors import AppError
from app.domain.screening import parse_rules
from app.files import atomic_write_bytes
from app.sync.packet import AgencyDirectory, ChainValidator, PacketRejected, PacketVerifier
from app.sync.packet.kinds import DirectoryInvalid
from app.sync.packet.published import (
    AGENCY_DIRECTORY,
    HOLIDAY_CALENDAR,
    SCREENING_RULES,
    SignedDocument,
    calendar_name,
    read_own_document,
    verify_crls,
    verify_document,
)
from server.config import PlatformConfig, PlatformConfigInvalid
from server.tls import server_ssl_context

CRL = "crl"
# Published name -> (file name, signed-document type or None for the CRL, media type served)
PUBLICATIONS: dict[str, tuple[str, str | None, str]] = {
    CRL: ("crl.pem", None, "application/x-pem-file"),  # a PEM bundle: one CRL per CA of the hierarchy
    AGENCY_DIRECTORY: ("agency-directory.p7s", AGENCY_DIRECTORY, "application/pkcs7-mime"),
    HOLIDAY_CALENDAR: ("holiday-calendar.p7s", HOLIDAY_CALENDAR, "application/pkcs7-mime"),
    SCREENING_RULES: ("screening-rules.p7s", SCREENING_RULES, "application/pkcs7-mime"),
}
_RECHECK_SECONDS = 1.0
log = logging.getLogger("lianjie.platform.published")
# Each year's calendar is served under its own name too: a terminal that syncs after next year's notice was
# published still gets this year's. ``holiday-calendar`` is the one published last.
_CALENDAR_YEAR = re.compile(rf"{HOLIDAY_CALENDAR}-(20[0-9][0-9])")


def publication(name: str) -> tuple[str, str | None, str] | None:
    """(file name, document type, media type) of a published name, or None if there is no such name."""
    if name in PUBLICATIONS:
        return PUBLICATIONS[name]
    if _CALENDAR_YEAR.fullmatch(name):
        return f"{name}.p7s", HOLIDAY_CALENDAR, "application/pkcs7-mime"
    return None


def load_certificates(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def anchors_and_intermediates(config: PlatformConfig) -> tuple[list[x509.Certificate], list[x509.Certificate]]:
    roots = load_certificates(config.roots)
    intermediates = load_certificates(config.intermediates) if config.intermediates else []
    return roots, intermediates


def check_publication(config: PlatformConfig, name: str, data: bytes) -> list[str]:
    """Refuse a file the terminals would refuse: a CRL not from our CA, a document not signed by the office, content
    its parser refuses, a version older than the one published or the same version with other content. The file
    names it is to be installed under."""
    if name not in PUBLICATIONS:
        raise PlatformConfigInvalid(f"unknown publication {name}", user_message=f"未知的发布文件类型：{name}。")
    roots, intermediates = anchors_and_intermediates(config)
    file_name, doc_type, _ = PUBLICATIONS[name]
    if doc_type is None:
        verify_crls(data, [*roots, *intermediates])
        return [file_name]
    crls = verify_crls(config.published_dir.joinpath(PUBLICATIONS[CRL][0]).read_bytes(), [*roots, *intermediates])
    validator = ChainValidator(roots, crls)
    document = verify_document(data, validator, office_code=config.office_code, expected_type=doc_type)
    readers = {HOLIDAY_CALENDAR: parse_calendar, SCREENING_RULES: parse_rules, AGENCY_DIRECTORY: _directory}
    content = readers[doc_type](document.content)
    names = [file_name]
    if isinstance(content, YearCalendar):
        names.insert(0, f"{calendar_name(content.year)}.p7s")
    _not_older(config, names[0], document)
    return names


def _not_older(config: PlatformConfig, file_name: str, fresh: SignedDocument) -> None:
    """Refuse what every terminal holding the one published would refuse. The one published is compared whatever
    became of its signer since (an office certificate revoked or expired after publishing)."""
    path = config.published_dir / file_name
    if not path.exists():
        return
    try:
        held = read_own_document(path.read_bytes())
    except PacketRejected as exc:  # our own file damaged: replacing it is what is needed
        log.warning("published %s unreadable, not compared: %s", file_name, exc)
        return
    if fresh.version < held.version or (fresh.version == held.version and fresh.content != held.content):
        raise PlatformConfigInvalid(
            f"{file_name}: version {fresh.version} against {held.version} published",
            user_message=f"已发布第 {held.version} 版；第 {fresh.version} 版"
            + ("更旧" if fresh.version < held.version else "与之同版而内容不同")
            + "，各终端都会拒绝使用，未予发布。",
        )


def adopt_calendar(config: PlatformConfig) -> None:
    """A calendar published before each year had its own name (``holiday-calendar.p7s`` alone) is served under its
    year's name too, unless that year's was published since: terminals ask for each year by name."""
    plain = config.published_dir / PUBLICATIONS[HOLIDAY_CALENDAR][0]
    if not plain.exists():
        return
    try:
        data = plain.read_bytes()
        year = parse_calendar(read_own_document(data).content).year
    except (OSError, AppError) as exc:
        log.warning("%s unreadable, not served by year: %s", plain.name, exc)
        return
    by_year = config.published_dir / f"{calendar_name(year)}.p7s"
    if by_year.exists():
        return
    try:
        atomic_write_bytes(by_year, data, mode=0o644)
    except OSError as exc:  # the platform still starts; terminals fall back to the name it is published under
        log.warning("%s not copied to %s: %s", plain.name, by_year.name, exc)
        return
    log.info("%s served as %s too", plain.name, by_year.name)


def _directory(content: bytes) -> AgencyDirectory:
    try:
        return AgencyDirectory.from_json(content)
    except DirectoryInvalid as exc:
        raise PlatformConfigInvalid(
            f"directory unreadable: {exc}",
            user_message="成员单位名录内容无法识别（应为含 code、name、kind 的单位列表），未予发布。",
        ) from None


def publish(config: PlatformConfig, name: str, data: bytes) -> Path:
    """Check and atomically install a publication; running platforms pick it up within a second."""
    names = check_publication(config, name, data)
    for file_name in names:
        atomic_write_bytes(config.published_dir / file_name, data, mode=0o644)
    return config.published_dir / names[0]


@dataclass(frozen=True)
class TrustSnapshot:
    """The trust derived from one version of the published CRL and directory."""

    crl_pem: bytes
    directory: AgencyDirectory
    verifier: PacketVerifier
    terminals: ChainValidator
    # The configured intermediate CAs: TLS hands the application a terminal's own certificate only, and a terminal
    # issued by an intermediate (docs/pki.md, --intermediate) validates only through them.
    terminal_intermediates: tuple[x509.Certificate, ...]
    ssl_context: ssl.SSLContext
    receipt_signer: SoftwareKey


class PublishedState:
    """The current ``TrustSnapshot``, rebuilt when ``crl.pem`` or the directory file changes on disk."""

    def __init__(self, config: PlatformConfig, receipt_signer: SoftwareKey) -> None:
        self._config = config
        self._signer = receipt_signer
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[int, int], ...] = ()
        self._checked = 0.0
        self._snapshot = self._build()

    def _files(self) -> list[Path]:
        return [self._config.published_dir / PUBLICATIONS[n][0] for n in (CRL, AGENCY_DIRECTORY)]

    def _current_stamp(self) -> tuple[tuple[int, int], ...]:
        stamps = []
        for path in self._files():
            try:
                info = path.stat()
            except FileNotFoundError:
                raise PlatformConfigInvalid(
                    f"{path.name} not published",
                    user_message=f"尚未发布 {path.name}：请先用 lianjie-platform publish 发布。",
                ) from None
            stamps.append((info.st_mtime_ns, info.st_size))
        return tuple(stamps)

    def _build(self) -> TrustSnapshot:
        config = self._config
        stamp = self._current_stamp()
        roots, intermediates = anchors_and_intermediates(config)
        crl_pem = (config.published_dir / PUBLICATIONS[CRL][0]).read_bytes()
        try:
            crls = verify_crls(crl_pem, [*roots, *intermediates])
            office = ChainValidator(roots, crls)
            directory_doc = verify_document(
                (config.published_dir / PUBLICATIONS[AGENCY_DIRECTORY][0]).read_bytes(),
                office,
                office_code=config.office_code,
                expected_type=AGENCY_DIRECTORY,
            )
            directory = AgencyDirectory.from_json(directory_doc.content)
        except (PacketRejected, DirectoryInvalid) as exc:
            raise PlatformConfigInvalid(
                f"published files invalid: {exc}", user_message=f"已发布的文件无效：{exc}"
            ) from None
        self._stamp = stamp
        return TrustSnapshot(
            crl_pem=crl_pem,
            directory=directory,
            verifier=PacketVerifier(ChainValidator(roots, crls), directory),
            terminals=ChainValidator(roots, crls),
            terminal_intermediates=tuple(intermediates),
            ssl_context=server_ssl_context(
                config.tls_certificate, config.tls_key, config.roots, crl_pem, config.intermediates
            ),
            receipt_signer=self._signer,
        )

    def current(self) -> TrustSnapshot:
        """The snapshot for the files as they are now (checked at most once a second)."""
        now = time.monotonic()
        if now - self._checked < _RECHECK_SECONDS:
            return self._snapshot
        with self._lock:
            self._checked = now
            try:
                if self._current_stamp() != self._stamp:
                    self._snapshot = self._build()
            except PlatformConfigInvalid:
                pass  # a broken publication never replaces a good one; publish() checks before installing
        return self._snapshot

    def read(self, name: str) -> tuple[bytes, str, str] | None:
        """A publication as published: (bytes, media type, ETag), or None if not published yet."""
        found = publication(name)
        if found is None:
            return None
        file_name, _, media_type = found
        try:
            data = (self._config.published_dir / file_name).read_bytes()
        except FileNotFoundError:
            return None
        return data, media_type, hashlib.sha256(data).hexdigest()

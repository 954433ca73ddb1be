"""The holiday calendar and the 以罚代刑 screening rules the office publishes through the platform.

Each is fetched with the trust at every pass (ETag), verified (the office's signature, then its content read by the
domain's own strict parser) before it is kept, never older than what is held, and verified again when it is used.

- **Holiday calendar** (``holiday-calendar``): one ``lianjie-calendar/1`` file, i.e. one year's State Council
  notice, per publication. The terminal keeps one per year: the 2028 notice published after the 2027 one does not
  drop 2027, and a later version for the same year (a revised notice) replaces it.
- **Screening rules** (``screening-rules``): one ``lianjie-screening/1`` file; it replaces the shipped default.

A publication refused (signature, content, an older version, the same version with other content) leaves what is
held in use and is reported: it does not stop the pass, the packets still flow. What is held is kept with the time
it was verified, and verified again as of then (an office certificate that later expired does not undo a
publication; one revoked before that time does).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography import x509
from sqlalchemy.orm import Session

from app.domain.deadlines import WorkingCalendar, YearCalendar, parse_calendar
from app.domain.errors import DomainError
from app.domain.screening import ScreeningRules, parse_rules
from app.models.store import Store
from app.resources import resource_path
from app.sync.engine_trust import TrustSource
from app.sync.inbox import read_state, write_state
from app.sync.packet import ChainValidator
from app.sync.packet.errors import PublishedDocumentInvalid
from app.sync.packet.published import HOLIDAY_CALENDAR, SCREENING_RULES, SignedDocument, verify_document
from app.sync.platform_client import PlatformClient, PlatformNotFound

CALENDARS_KEY = "published_calendars"  # JSON: {"2027": {"signed": base64, "verified_at": ISO}, ...}
RULES_KEY = "published_rules"  # JSON: {"signed": base64, "verified_at": ISO}
log = logging.getLogger("lianjie.sync.office")


@dataclass(frozen=True)
class _Kind:
    name: str  # the publication's name on the platform, and its document type
    label: str  # what the operator reads
    key: str
    parse: Callable[[bytes], object]


CALENDAR = _Kind(HOLIDAY_CALENDAR, "节假日安排", CALENDARS_KEY, parse_calendar)
RULES = _Kind(SCREENING_RULES, "以罚代刑筛查规则", RULES_KEY, parse_rules)


@dataclass(frozen=True)
class _Held:
    """A kept publication: the signed bytes and when they were verified."""

    signed: bytes
    verified_at: dt.datetime

    def as_json(self) -> dict[str, str]:
        return {"signed": base64.b64encode(self.signed).decode("ascii"), "verified_at": self.verified_at.isoformat()}

    @classmethod
    def from_json(cls, raw: dict[str, str]) -> _Held:
        return cls(base64.b64decode(raw["signed"]), dt.datetime.fromisoformat(raw["verified_at"]))


@dataclass(frozen=True)
class _Verified:
    document: SignedDocument
    parsed: object


@dataclass(frozen=True)
class OfficeFiles:
    """The calendar and rules publications of this terminal's office, held in its store."""

    source: TrustSource
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    def refresh(self, store: Store, client: PlatformClient) -> list[str]:
        """Fetch both publications if they changed and keep the ones that verify; the operator's sentence for each
        one refused (what is held stays in use)."""
        refused = []
        for kind in (CALENDAR, RULES):
            try:
                fetched = client.published(kind.name, _etag(store, kind))
            except PlatformNotFound:  # not published yet: the shipped files serve
                continue
            if fetched is None:
                continue
            try:
                self.install(store, kind, fetched[0], etag=fetched[1])
            except PublishedDocumentInvalid as exc:
                log.warning("published %s refused: %s", kind.name, exc)
                refused.append(exc.user_message + exc.next_step)
        return refused

    def install(self, store: Store, kind: _Kind, signed: bytes, *, etag: str = "") -> None:
        """Verify and keep a publication (fetched, or brought by hand to an offline terminal); refused with what
        the operator reads, naming the publication."""
        try:
            self._install(store, kind, signed, etag)
        except PublishedDocumentInvalid as exc:
            raise PublishedDocumentInvalid(
                str(exc), user_message=f"平台发布的{kind.label}未予使用：{exc.user_message}"
            ) from None

    def calendar_file(self, signed: bytes) -> YearCalendar:
        """A calendar publication brought as a file (``lianjie calendar due --calendar``), verified now with the
        CRLs installed for login; refused as a fetched one would be."""
        try:
            parsed = self._verify(list(self.source.initial_crls), CALENDAR, signed, self.now()).parsed
        except PublishedDocumentInvalid as exc:
            raise PublishedDocumentInvalid(
                str(exc), user_message=f"节假日安排文件未予使用：{exc.user_message}"
            ) from None
        if not isinstance(parsed, YearCalendar):
            raise TypeError("a calendar publication parsed to something else")
        return parsed

    def _install(self, store: Store, kind: _Kind, signed: bytes, etag: str) -> None:
        at = self.now()
        fresh = self._verify(self.source.load_crls(store), kind, signed, at)
        held = self._versions(store, kind, store.read(lambda s: _read_all(s, kind)))
        newest = max(held, default=None, key=lambda v: v.document.version)
        same = newest is not None and _not_older(kind, fresh.document, newest.document)
        slot = _slot(kind, fresh.parsed)

        def keep(session: Session) -> None:
            if not same:  # the one held (another year's calendar too) stays as it is
                kept = _read_all(session, kind)
                kept[slot] = _Held(signed, at)
                write_state(session, kind.key, json.dumps({k: v.as_json() for k, v in kept.items()}, sort_keys=True))
            write_state(session, f"{kind.key}_etag", etag)

        store.write(keep)

    def calendar(self, store: Store) -> WorkingCalendar:
        """The working-day calendar: the bundled and shipped notices, then the years the office published."""
        years = {c.year: c for c in shipped_calendars()}
        for held in self._versions(store, CALENDAR, store.read(lambda s: _read_all(s, CALENDAR))):
            if isinstance(held.parsed, YearCalendar):
                years[held.parsed.year] = held.parsed
        return WorkingCalendar(years.values())

    def rules(self, store: Store) -> ScreeningRules | None:
        """The screening rules the office published, or None (the shipped default serves)."""
        held = self._versions(store, RULES, store.read(lambda s: _read_all(s, RULES)))
        return next((v.parsed for v in held if isinstance(v.parsed, ScreeningRules)), None)

    def _versions(self, store: Store, kind: _Kind, held: dict[str, _Held]) -> list[_Verified]:
        """What is held, verified again as of when it was kept; one that no longer verifies is left out (logged)."""
        found: list[_Verified] = []
        try:
            crls = self.source.load_crls(store) if held else []
        except PublishedDocumentInvalid as exc:
            log.warning("held CRLs unreadable, the office's publications are left out: %s", exc)
            return found
        for slot, item in sorted(held.items()):
            try:
                found.append(self._verify(crls, kind, item.signed, item.verified_at))
            except PublishedDocumentInvalid as exc:
                log.warning("held %s %s no longer verifies: %s", kind.name, slot, exc)
        return found

    def _verify(
        self, crls: Sequence[x509.CertificateRevocationList], kind: _Kind, signed: bytes, at: dt.datetime
    ) -> _Verified:
        validator = ChainValidator(self.source.roots, crls)
        document = verify_document(
            signed, validator, office_code=self.source.office_code, expected_type=kind.name, at=at
        )
        try:
            return _Verified(document, kind.parse(document.content))
        except DomainError as exc:  # CalendarFileError, PublishedFileError
            raise PublishedDocumentInvalid(
                f"{kind.name} content unreadable: {exc}",
                user_message=f"第 {document.version} 版内容有误：{exc.user_message}",
            ) from None


def _not_older(kind: _Kind, fresh: SignedDocument, held: SignedDocument) -> bool:
    """True when ``fresh`` is the version held again; ``PublishedDocumentInvalid`` when it may not replace it."""
    if fresh.version < held.version:
        raise PublishedDocumentInvalid(
            f"{kind.name} version {fresh.version} older than {held.version}",
            user_message=f"第 {fresh.version} 版比本机已有的第 {held.version} 版旧。",
        )
    if fresh.version == held.version and fresh.content != held.content:
        raise PublishedDocumentInvalid(
            f"{kind.name} version {held.version} with other content",
            user_message=f"第 {held.version} 版与本机已有的同版内容不同。",
        )
    return fresh.version == held.version


def _slot(kind: _Kind, parsed: object) -> str:
    """Where a publication is kept: its year for a calendar, the one slot for the rules."""
    return str(parsed.year) if kind is CALENDAR and isinstance(parsed, YearCalendar) else "current"


def _read_all(session: Session, kind: _Kind) -> dict[str, _Held]:
    text = read_state(session, kind.key)
    if not text:
        return {}
    return {slot: _Held.from_json(raw) for slot, raw in json.loads(text).items()}


def _etag(store: Store, kind: _Kind) -> str | None:
    return store.read(lambda s: read_state(s, f"{kind.key}_etag")) or None


def shipped_calendars() -> list[YearCalendar]:
    """The notices shipped with the program (``resources/calendars``)."""
    return [parse_calendar(path.read_bytes()) for path in sorted(resource_path("calendars").glob("*.toml"))]

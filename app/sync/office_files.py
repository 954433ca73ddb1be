"""The holiday calendars and the 以罚代刑 screening rules the office publishes through the platform.

Each is fetched with the trust at every pass (ETag), verified (the office's signature, then its content read by the
domain's own strict parser) before it is kept, never older than what is held, and verified again when it is used.

- **Holiday calendar**: one ``lianjie-calendar/1`` file, i.e. one year's State Council notice, per publication. The
  platform serves each year under its own name (``holiday-calendar-2027``); the terminal asks for last year, this
  year and next year, and keeps one per year: a terminal that first syncs after next year's notice still gets this
  year's, and a later version for the same year (a revised notice) replaces it.
- **Screening rules** (``screening-rules``): one ``lianjie-screening/1`` file; it replaces the shipped default.

Versions are compared per slot (a calendar's year, or the rules) with the high-water mark kept in the store, inside
the transaction that keeps the new one. A publication refused (signature, content, an older version, the same
version with other content) leaves what is held in use and is reported: it does not stop the pass, the packets
still flow. What is held is verified again as of the time it was verified (an office certificate that expired since
does not undo a publication; one revoked before that time does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography import x509
from sqlalchemy.orm import Session

from app.domain.deadlines import WorkingCalendar, YearCalendar, parse_calendar
from app.domain.errors import DomainError
from app.domain.screening import ScreeningRules, parse_rules
from app.models.errors import StoreClosed
from app.models.store import Store
from app.resources import shipped_calendars
from app.sync.engine_trust import TrustSource
from app.sync.inbox import read_state, write_state
from app.sync.office_held import Held, read_held, write_held
from app.sync.packet import ChainValidator
from app.sync.packet.errors import PublishedDocumentInvalid
from app.sync.packet.manifest import BEIJING
from app.sync.packet.published import (
    HOLIDAY_CALENDAR,
    SCREENING_RULES,
    SignedDocument,
    calendar_name,
    verify_document,
)
from app.sync.platform_client import PlatformClient, PlatformNotFound, PlatformUnreachable, TerminalRefused

log = logging.getLogger("lianjie.sync.office")
_CONTACT = "请联系两法衔接领导小组办公室。"


@dataclass(frozen=True)
class _Kind:
    doc_type: str
    label: str  # what the operator reads
    key: str  # sync_state key of what is held
    parse: Callable[[bytes], object]


CALENDAR = _Kind(HOLIDAY_CALENDAR, "节假日安排", "published_calendars", parse_calendar)
RULES = _Kind(SCREENING_RULES, "以罚代刑筛查规则", "published_rules", parse_rules)
_RULES_SLOT = "current"


@dataclass(frozen=True)
class _Verified:
    document: SignedDocument
    parsed: object

    @property
    def slot(self) -> str:
        return str(self.parsed.year) if isinstance(self.parsed, YearCalendar) else _RULES_SLOT


@dataclass(frozen=True)
class OfficeFiles:
    """The calendar and rules publications of this terminal's office, held in its store."""

    source: TrustSource
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    def refresh(self, store: Store, client: PlatformClient) -> list[str]:
        """Fetch each publication if it changed and keep the ones that verify; the operator's sentence for each one
        refused or failed (what is held stays in use). Only an unreachable platform or a closed store ends it."""
        year = self.now().astimezone(BEIJING).year
        notices: list[str] = []
        # An ETag is sent only while what it stands for is held: held state left out as unreadable is fetched again.
        calendars, rules = store.read(lambda s: (set(read_held(s, CALENDAR.key)), set(read_held(s, RULES.key))))
        by_year = [
            (CALENDAR, calendar_name(y), str(y), f"{y}年{CALENDAR.label}", str(y) in calendars)
            for y in (year - 1, year, year + 1)
        ]
        if not any([self._fetch(store, client, *wanted, notices) for wanted in by_year]):
            # none by year: a platform from before each year had its name serves the one published last only
            self._fetch(store, client, CALENDAR, HOLIDAY_CALENDAR, None, CALENDAR.label, bool(calendars), notices)
        self._fetch(store, client, RULES, SCREENING_RULES, _RULES_SLOT, RULES.label, bool(rules), notices)
        return notices

    def _fetch(
        self, store: Store, client: PlatformClient, kind: _Kind, name: str, slot: str | None, label: str,
        holds: bool, notices: list[str],
    ) -> bool:  # fmt: skip
        """Fetch and keep one publication; False when the platform has none of that name."""
        try:
            fetched = client.published(name, _etag(store, name) if holds else None)
            if fetched is not None:
                self.install(store, kind, fetched[0], etag=(name, fetched[1]), slot=slot, label=label)
        except PlatformNotFound:  # not published (yet): the shipped files serve
            return False
        except (PlatformUnreachable, TerminalRefused, StoreClosed):
            raise
        except PublishedDocumentInvalid as exc:
            log.warning("published %s refused: %s", name, exc)
            notices.append(exc.for_operator())
        except Exception as exc:  # a defect here must not stop the packets: they are what the pass is for
            log.exception("fetching or keeping the published %s failed", name)
            notices.append(f"处理平台发布的{label}时出错（{type(exc).__name__}），{self._in_use(store, kind, slot)}")
        return True

    def install(
        self, store: Store, kind: _Kind, signed: bytes, *, etag: tuple[str, str] | None = None,
        slot: str | None = None, label: str | None = None,
    ) -> None:  # fmt: skip
        """Verify and keep a publication (fetched, or brought by hand to an offline terminal). ``slot``: the year
        asked for, which a calendar must be. Refused with what the operator reads, naming the publication."""
        label, at = label or kind.label, self.now()
        try:
            fresh = self._verify(self.source.load_crls(store), kind, signed, at)
            if slot is not None and fresh.slot != slot:
                raise PublishedDocumentInvalid(
                    f"{kind.doc_type} for {fresh.slot} served as {slot}",
                    user_message=f"第 {fresh.document.version} 版是{fresh.slot}年的安排，不是所请求的{slot}年。",
                )
            digest = hashlib.sha256(fresh.document.content).hexdigest()
            new = Held(signed, at, fresh.document.version, digest)
            store.write(lambda session: _keep(session, kind, fresh.slot, new, etag))
        except PublishedDocumentInvalid as exc:
            raise PublishedDocumentInvalid(
                str(exc),
                user_message=f"平台发布的{label}未予使用：{exc.user_message}",
                next_step=self._in_use(store, kind, slot),
            ) from None

    def calendar(self, store: Store) -> WorkingCalendar:
        """The working-day calendar: the bundled and shipped notices, then the years the office published."""
        years = {c.year: c for c in shipped_calendars()}
        for held in self._verified_held(store, CALENDAR):
            if isinstance(held.parsed, YearCalendar):
                years[held.parsed.year] = held.parsed
        return WorkingCalendar(years.values())

    def rules(self, store: Store) -> ScreeningRules | None:
        """The screening rules the office published, or None (the shipped default serves)."""
        held = self._verified_held(store, RULES)
        return next((v.parsed for v in held if isinstance(v.parsed, ScreeningRules)), None)

    def calendar_file(
        self, signed: bytes, *, require_crl: bool = True, crl_grace: dt.timedelta = dt.timedelta(hours=24)
    ) -> YearCalendar:
        """A calendar publication brought as a file (``lianjie calendar due --calendar``), verified now with the
        CRLs installed for login (stale ones as the terminal's policy says); refused as a fetched one would be."""
        crls = list(self.source.initial_crls)
        validator = ChainValidator(self.source.roots, crls, require_crl=require_crl, crl_grace=crl_grace)  # as login
        parsed = self._verify(crls, CALENDAR, signed, self.now(), validator).parsed
        if not isinstance(parsed, YearCalendar):
            raise TypeError("a calendar publication parsed to something else")
        return parsed

    def _in_use(self, store: Store, kind: _Kind, slot: str | None) -> str:
        """What serves instead of a refused publication (what is held only if it still verifies), and whom to ask."""
        try:
            held = {v.slot for v in self._verified_held(store, kind)}
        except Exception:  # only the sentence depends on it
            held = set()
        have = slot in held if slot is not None else bool(held)
        return ("已继续使用本机已有的版本。" if have else "已继续使用程序自带的版本。") + _CONTACT

    def _verified_held(self, store: Store, kind: _Kind) -> list[_Verified]:
        """What is held, verified again as of when it was kept; one that no longer verifies is left out (logged)."""
        held = store.read(lambda s: read_held(s, kind.key))
        found: list[_Verified] = []
        try:
            crls = self.source.load_crls(store) if held else []
        except PublishedDocumentInvalid as exc:
            log.error("held CRLs unreadable, the office's %s are left out: %s", kind.doc_type, exc)
            return found
        for slot, item in sorted(held.items()):
            try:
                found.append(self._verify(crls, kind, item.signed, item.verified_at))
            except PublishedDocumentInvalid as exc:
                log.error("held %s %s no longer verifies, left out: %s", kind.doc_type, slot, exc)
        return found

    def _verify(
        self, crls: Sequence[x509.CertificateRevocationList], kind: _Kind, signed: bytes, at: dt.datetime,
        validator: ChainValidator | None = None,
    ) -> _Verified:  # fmt: skip
        validator = validator or self.source.validator(crls)
        document = verify_document(
            signed, validator, office_code=self.source.office_code, expected_type=kind.doc_type, at=at
        )
        try:
            return _Verified(document, kind.parse(document.content))
        except DomainError as exc:  # CalendarFileError, PublishedFileError
            raise PublishedDocumentInvalid(
                f"{kind.doc_type} content unreadable: {exc}",
                user_message=f"第 {document.version} 版内容有误：{exc.user_message}",
            ) from None


def _etag(store: Store, name: str) -> str | None:
    return store.read(lambda session: read_state(session, f"etag:{name}")) or None


def _keep(session: Session, kind: _Kind, slot: str, new: Held, etag: tuple[str, str] | None) -> None:
    """In the writing transaction: compare with the high-water mark held, keep, remember the ETag."""
    held = read_held(session, kind.key)
    current = held.get(slot)
    if current is not None:
        _not_older(new, current)
    # the same version and content again replaces the one held too: re-signed, it serves where that one no longer
    # verifies (its signer revoked since)
    held[slot] = new
    write_held(session, kind.key, held)
    if etag is not None:
        write_state(session, f"etag:{etag[0]}", etag[1])


def _not_older(fresh: Held, held: Held) -> None:
    if fresh.version < held.version:
        raise PublishedDocumentInvalid(
            f"version {fresh.version} older than {held.version}",
            user_message=f"第 {fresh.version} 版比本机已有的第 {held.version} 版旧。",
        )
    if fresh.version == held.version and fresh.content_sha256 != held.content_sha256:
        raise PublishedDocumentInvalid(
            f"version {held.version} with other content",
            user_message=f"第 {held.version} 版与本机已有的同版内容不同。",
        )

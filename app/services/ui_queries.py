"""Read models the desktop UI needs and the repositories do not offer yet: the filtered case window, the case-list
filter choices, store health, trust status, the terminal settings file and the support bundle. No Qt.

The case queries belong in ``app.models.cases`` (``list_cases`` filters only agency and stage); they live here until
that module grows type / date / text filters with OFFSET windows. Every function returns frozen values.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from sqlalchemy import ColumnElement, column, func, select, table, text
from sqlalchemy.orm import Session

from app.config import CONFIG_FILE_NAME, TerminalConfig, validate_config
from app.crypto.keyslot_errors import TerminalNotInitialized
from app.domain.errors import AppError
from app.files import atomic_write_bytes, atomic_write_text
from app.models.audit import verify_audit_chain
from app.models.cases import CaseRecord
from app.models.search_text import match_expression
from app.models.store import Store
from app.models.tables import CASES_FTS_TABLE, Case
from app.services.identity import installed_crl, trust_anchors

_fts = table(CASES_FTS_TABLE, column("rowid"))

MAX_WINDOW = 500


@dataclass(frozen=True)
class CaseFilter:
    """What the operator narrowed the case list to; empty fields do not filter."""

    text: str = ""
    stage: str | None = None
    case_type: str | None = None
    agency_code: str | None = None
    occurred_from: dt.date | None = None
    occurred_to: dt.date | None = None


@dataclass(frozen=True)
class CaseFilterChoices:
    """The values present in the store, for the filter pickers."""

    stages: tuple[str, ...]
    case_types: tuple[str, ...]
    agency_codes: tuple[str, ...]


def _conditions(case_filter: CaseFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if case_filter.stage is not None:
        conditions.append(Case.stage == case_filter.stage)
    if case_filter.case_type is not None:
        conditions.append(Case.case_type == case_filter.case_type)
    if case_filter.agency_code is not None:
        conditions.append(Case.agency_code == case_filter.agency_code)
    if case_filter.occurred_from is not None:
        conditions.append(Case.occurred_on >= case_filter.occurred_from)
    if case_filter.occurred_to is not None:
        conditions.append(Case.occurred_on <= case_filter.occurred_to)
    expression = match_expression(case_filter.text) if case_filter.text.strip() else None
    if expression is not None:
        # Same bigram terms as app.models.cases.search_cases, so 张三 and 移送 are found as the operator typed them.
        matching = select(_fts.c.rowid).where(
            text(f"{CASES_FTS_TABLE} MATCH :expression").bindparams(expression=expression)
        )
        conditions.append(Case.seq.in_(matching))
    return conditions


def _has_unsearchable_text(case_filter: CaseFilter) -> bool:
    return bool(case_filter.text.strip()) and match_expression(case_filter.text) is None


def count_matching(session: Session, case_filter: CaseFilter) -> int:
    """How many cases the filter keeps."""
    if _has_unsearchable_text(case_filter):
        return 0
    query = select(func.count()).select_from(Case).where(*_conditions(case_filter))
    return int(session.scalar(query) or 0)


_RECORD_COLUMNS = (
    Case.seq,
    Case.id,
    Case.agency_code,
    Case.case_number,
    Case.title,
    Case.party_name,
    Case.party_id_number,
    Case.case_type,
    Case.stage,
    Case.amount_fen,
    Case.occurred_on,
    Case.created_at,
    Case.updated_at,
)


@dataclass(frozen=True)
class CaseWindow:
    """Cases at ``offset`` of the filtered list; ``seqs`` are their keys, for keyset reads of the neighbours."""

    offset: int
    records: tuple[CaseRecord, ...]
    seqs: tuple[int, ...]


def case_window(
    session: Session,
    case_filter: CaseFilter,
    offset: int,
    limit: int,
    *,
    before_seq: int | None = None,
) -> CaseWindow:
    """``limit`` cases from position ``offset`` of the filtered list, newest first.

    With ``before_seq`` (the key of the row just above ``offset``) the read is a keyset read: its cost does not grow
    with how far down the operator is. Without it, an OFFSET read (a jump of the scroll bar)."""
    limit = max(1, min(limit, MAX_WINDOW))
    if _has_unsearchable_text(case_filter):
        return CaseWindow(offset, (), ())
    query = select(*_RECORD_COLUMNS).where(*_conditions(case_filter)).order_by(Case.seq.desc()).limit(limit)
    query = query.where(Case.seq < before_seq) if before_seq is not None else query.offset(max(0, offset))
    rows = session.execute(query).all()
    records = tuple(
        CaseRecord(
            id=r.id,
            agency_code=r.agency_code,
            case_number=r.case_number,
            title=r.title,
            party_name=r.party_name,
            party_id_number=r.party_id_number,
            case_type=r.case_type,
            stage=r.stage,
            amount_fen=r.amount_fen,
            occurred_on=r.occurred_on,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        for r in rows
    )
    return CaseWindow(offset, records, tuple(int(r.seq) for r in rows))


def filter_choices(session: Session) -> CaseFilterChoices:
    """Distinct stages, case types and agencies in the store."""

    def values(col: Any) -> tuple[str, ...]:
        return tuple(sorted(str(v) for v in session.scalars(select(col).distinct()) if v))

    return CaseFilterChoices(values(Case.stage), values(Case.case_type), values(Case.agency_code))


# --- diagnostics -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreHealth:
    """What 关于/诊断 shows about the open store; sentences in Chinese."""

    integrity_ok: bool
    integrity_text: str
    audit_ok: bool
    audit_text: str
    case_count: int
    store_bytes: int


def store_health(store: Store) -> StoreHealth:
    """SQLite's integrity check, the audit hash chain, and sizes: never a case's content."""
    problems = store.integrity_errors()
    verdict = store.read(verify_audit_chain)
    cases = store.read(lambda s: int(s.scalar(select(func.count()).select_from(Case)) or 0))
    integrity_text = "数据库完整性检查通过。" if not problems else f"数据库完整性检查发现 {len(problems)} 处问题。"
    size = store.path.stat().st_size if store.path.exists() else 0
    return StoreHealth(not problems, integrity_text, verdict.intact, verdict.describe(), cases, size)


@dataclass(frozen=True)
class CertificateSummary:
    """A trust anchor as the settings page lists it."""

    subject: str
    not_after: dt.datetime
    sha256: str


@dataclass(frozen=True)
class TrustStatus:
    """Installed trust anchors and the CRL's freshness."""

    anchors: tuple[CertificateSummary, ...]
    crl_issuer: str | None
    crl_last_update: dt.datetime | None
    crl_next_update: dt.datetime | None
    crl_revoked: int
    crl_state: str  # "missing" | "fresh" | "grace" | "stale"
    initialized: bool


def trust_status(config: TerminalConfig, now: dt.datetime | None = None) -> TrustStatus:
    """The trust anchors and the CRL this terminal checks certificates against."""
    moment = now or dt.datetime.now(dt.UTC)
    try:
        anchors = trust_anchors(config)
    except TerminalNotInitialized:
        return TrustStatus((), None, None, None, 0, "missing", False)
    summaries = tuple(
        CertificateSummary(c.subject.rfc4514_string(), c.not_valid_after_utc, c.fingerprint(hashes.SHA256()).hex())
        for c in anchors
    )
    crl = installed_crl(config)
    if crl is None:
        return TrustStatus(summaries, None, None, None, 0, "missing", True)
    next_update = crl.next_update_utc
    if next_update is None or moment <= next_update:
        state = "fresh"
    elif moment <= next_update + dt.timedelta(hours=config.crl_grace_hours):
        state = "grace"
    else:
        state = "stale"
    return TrustStatus(
        summaries, crl.issuer.rfc4514_string(), crl.last_update_utc, next_update, len(list(crl)), state, True
    )


def certificate_holder_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


# --- settings ----------------------------------------------------------------------------------------------------


def save_settings(config: TerminalConfig, *, platform_url: str, idle_lock_minutes: int) -> TerminalConfig:
    """Write the two operator-editable settings into ``config.toml``, keeping every other key as it was."""
    path = config.data_dir / CONFIG_FILE_NAME
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsNotSaved(f"config unreadable: {type(exc).__name__}") from exc
    raw["platform_url"] = platform_url.strip()
    raw["idle_lock_minutes"] = int(idle_lock_minutes)
    updated = validate_config(
        replace(config, platform_url=raw["platform_url"], idle_lock_minutes=raw["idle_lock_minutes"])
    )
    try:
        atomic_write_text(path, _toml(raw), mode=0o644)
    except OSError as exc:
        raise SettingsNotSaved(f"config not written: {type(exc).__name__}") from exc
    return updated


def _toml(raw: Mapping[str, Any]) -> str:
    lines = []
    for key, value in raw.items():
        if isinstance(value, Mapping):
            raise ValueError(f"nested table {key!r} not supported by the settings page")
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, Sequence):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ValueError(f"unsupported value type {type(value).__name__}")


# --- support bundle ----------------------------------------------------------------------------------------------


class BundleNotWritten(AppError):
    user_message = "诊断包未能写入所选位置。"
    next_step = "请确认该位置可以写入且空间足够，或另选一个位置。"


class SettingsNotSaved(AppError):
    user_message = "设置未能保存。"
    next_step = "请确认终端数据目录可以写入；仍失败请联系系统管理员。"


def write_support_bundle(config: TerminalConfig, target: Path, summary: Mapping[str, str]) -> tuple[str, ...]:
    """Write the support bundle to ``target``; an unwritable place is a ``BundleNotWritten``."""
    try:
        return _write_support_bundle(config, target, summary)
    except OSError as exc:
        target.with_name(target.name + ".part").unlink(missing_ok=True)
        raise BundleNotWritten(f"support bundle not written: {type(exc).__name__}") from exc


def _write_support_bundle(config: TerminalConfig, target: Path, summary: Mapping[str, str]) -> tuple[str, ...]:
    """A zip of the log files and a versions/health summary, for the administrator. Never the store, the key slots,
    the blobs or anything else from the data folder: only regular files under ``logs/``. Returns the names written."""
    names: list[str] = []
    info = {
        **summary,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "written_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    buffer_path = target.with_name(target.name + ".part")
    with zipfile.ZipFile(buffer_path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("summary.json", json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True))
        names.append("summary.json")
        logs = config.logs_dir
        if logs.is_dir():
            for path in sorted(logs.rglob("*")):
                if path.is_symlink() or not path.is_file():
                    continue
                arcname = "logs/" + path.relative_to(logs).as_posix()
                bundle.write(path, arcname)
                names.append(arcname)
    atomic_write_bytes(target, buffer_path.read_bytes(), mode=0o600)
    buffer_path.unlink()
    return tuple(names)

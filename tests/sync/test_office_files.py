"""The holiday calendar and the screening rules the office publishes reach the terminal through the real platform,
are verified before use (signature of the office, content, never older), and are what deadlines and screening use.
A refused publication leaves the one held in use, is reported, and does not stop the packets."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from app.commands import calendar as calendar_command
from app.config import TerminalConfig
from app.domain.deadlines import working_days_after
from app.domain.errors import AppError
from app.models.snapshots import load_case_state
from app.models.store import Store
from app.services.identity import identity_dir
from app.services.office import screening_rules, working_calendar
from app.sync.office_files import CALENDAR, RULES, OfficeFiles
from app.sync.packet.errors import PublishedDocumentInvalid
from app.sync.packet.published import AGENCY_DIRECTORY, HOLIDAY_CALENDAR, SCREENING_RULES, sign_document
from app.sync.state import SyncPhase
from server.config import PlatformConfig, load_platform_config
from server.published import publish
from tests.server.platform_support import PlatformPki, RunningPlatform
from tests.sync.test_engine import transferred_case
from tests.sync.test_engine_support import Side

RULES_FILE = Path(__file__).resolve().parents[2] / "resources" / "screening" / "default-rules.toml"


def _year(year: int, *, holiday_to: int = 4, source: str = "测试用日历（非官方）") -> bytes:
    return f"""format = "lianjie-calendar/1"
year = {year}
source = "{year}{source}"

[[holidays]]
name = "元旦"
from = {year}-01-01
to = {year}-01-0{holiday_to}
""".encode()


def _rules(issued_by: str) -> bytes:
    text = RULES_FILE.read_text(encoding="utf-8")
    start = text.index("issued_by")
    end = text.index("\n", start)
    return (text[:start] + f'issued_by = "{issued_by}"' + text[end:]).encode()


def _signed(pki: PlatformPki, doc_type: str, version: int, content: bytes, *, signer: object = None) -> bytes:
    key = signer or pki.world.office_operator
    return sign_document(key, doc_type=doc_type, version=version, content=content, media_type="application/toml")  # type: ignore[arg-type]


@pytest.fixture
def published(platform: RunningPlatform) -> PlatformConfig:
    return load_platform_config(platform.config)


def _calendar_of(side: Side) -> object:
    return OfficeFiles(side.trust_source).calendar(side.store)


def test_nothing_published_leaves_the_shipped_calendar_and_rules(agency: Side) -> None:
    report = agency.engine.run_once()
    assert report.status.phase is SyncPhase.UP_TO_DATE and report.status.reason == ""
    files = OfficeFiles(agency.trust_source)
    assert files.rules(agency.store) is None
    calendar = files.calendar(agency.store)
    assert not calendar.is_published(2030)
    assert calendar.is_published(2026)  # shipped


def test_calendars_of_each_year_accumulate_and_deadlines_use_them(
    agency: Side, pki: PlatformPki, published: PlatformConfig
) -> None:
    before = working_days_after(_calendar_of(agency), dt.date(2029, 12, 31), 5)  # type: ignore[arg-type]
    assert before.provisional
    publish(published, HOLIDAY_CALENDAR, _signed(pki, HOLIDAY_CALENDAR, 10, _year(2030)))
    assert agency.engine.run_once().status.reason == ""
    publish(published, HOLIDAY_CALENDAR, _signed(pki, HOLIDAY_CALENDAR, 11, _year(2031)))
    assert agency.engine.run_once().status.reason == ""
    calendar = _calendar_of(agency)
    assert calendar.is_published(2030) and calendar.is_published(2031)  # type: ignore[attr-defined]
    assert calendar.source(2030) == "2030测试用日历（非官方）"  # type: ignore[attr-defined]
    assert not calendar.is_workday(dt.date(2030, 1, 4))  # type: ignore[attr-defined]  # a Friday, off by the notice
    # 2029-12-28 (Fri) + 5 working days: 12-31, then 2030-01-07..10 (01-01..04 off) = 2030-01-10, no longer provisional
    after = working_days_after(calendar, dt.date(2029, 12, 31), 5)  # type: ignore[arg-type]
    assert (after.last_day, after.provisional) == (dt.date(2030, 1, 11), False)
    assert (before.last_day, before.provisional) == (dt.date(2030, 1, 8), True)  # 元旦 alone off, by the statutory rule
    # a revised notice for 2030 replaces it; 2031 stays
    publish(published, HOLIDAY_CALENDAR, _signed(pki, HOLIDAY_CALENDAR, 12, _year(2030, holiday_to=2)))
    assert agency.engine.run_once().status.reason == ""
    calendar = _calendar_of(agency)
    assert calendar.is_workday(dt.date(2030, 1, 3)) and calendar.is_published(2031)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("version", "content", "signer", "expected"),
    [
        (13, b"format = [", None, "内容有误"),  # the office signed it, but it is no calendar
        (13, _year(2032), "enforcement", "不是由两法衔接领导小组办公室签名的"),  # not signed by the office
        (9, _year(2032), None, "比本机已有的第 12 版旧"),  # older than the one held
        (12, _year(2030, holiday_to=3), None, "同版内容不同"),  # the version held, other content
    ],
)
def test_a_refused_calendar_leaves_the_held_one_and_does_not_stop_the_packets(
    agency: Side, police: Side, pki: PlatformPki, published: PlatformConfig, version: int, content: bytes,
    signer: str | None, expected: str,
) -> None:  # fmt: skip
    publish(published, HOLIDAY_CALENDAR, _signed(pki, HOLIDAY_CALENDAR, 12, _year(2030, holiday_to=2)))
    assert agency.engine.run_once().status.reason == ""
    key = pki.world.enforcement_operator if signer == "enforcement" else None
    bad = _signed(pki, HOLIDAY_CALENDAR, version, content, signer=key)
    (published.published_dir / "holiday-calendar.p7s").write_bytes(bad)  # what publish would refuse; a rogue platform
    case_id = transferred_case(agency, pki, f"银兴市监立〔2030〕{version}{len(content)}号")
    report = agency.engine.run_once()
    assert report.status.phase is SyncPhase.UP_TO_DATE
    assert "平台发布的节假日安排未予使用" in report.status.reason and expected in report.status.reason
    assert report.pushed == 4
    received = police.engine.run_once()  # (its own check: it never held version 12)
    assert received.status.phase is SyncPhase.UP_TO_DATE and received.applied >= 1
    assert police.store.read(lambda s: load_case_state(s, case_id)) is not None
    calendar = _calendar_of(agency)
    assert calendar.is_published(2030) and calendar.is_workday(dt.date(2030, 1, 3))  # type: ignore[attr-defined]
    assert not calendar.is_published(2032)  # type: ignore[attr-defined]


def test_published_rules_replace_the_shipped_ones_and_never_go_back(
    agency: Side, pki: PlatformPki, published: PlatformConfig
) -> None:
    publish(published, SCREENING_RULES, _signed(pki, SCREENING_RULES, 3, _rules("测试办公室第三版")))
    assert agency.engine.run_once().status.reason == ""
    rules = OfficeFiles(agency.trust_source).rules(agency.store)
    assert rules is not None and rules.issued_by == "测试办公室第三版"
    (published.published_dir / "screening-rules.p7s").write_bytes(
        _signed(pki, SCREENING_RULES, 2, _rules("测试办公室第二版"))
    )
    report = agency.engine.run_once()
    assert "平台发布的以罚代刑筛查规则未予使用：第 2 版比本机已有的第 3 版旧" in report.status.reason
    rules = OfficeFiles(agency.trust_source).rules(agency.store)
    assert rules is not None and rules.issued_by == "测试办公室第三版"


def test_a_calendar_signed_as_rules_is_refused(agency: Side, pki: PlatformPki) -> None:
    assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE  # the CRLs (and what is published)
    files = OfficeFiles(agency.trust_source)
    held = files.rules(agency.store)
    with pytest.raises(PublishedDocumentInvalid) as refused:
        files.install(agency.store, CALENDAR, _signed(pki, SCREENING_RULES, 50, _rules("错放")))
    assert "平台发布的节假日安排未予使用：发布文件的类型为“screening-rules”" in refused.value.user_message
    with pytest.raises(PublishedDocumentInvalid) as refused:
        files.install(agency.store, RULES, _signed(pki, SCREENING_RULES, 50, _year(2030)))
    assert "平台发布的以罚代刑筛查规则未予使用：第 50 版内容有误" in refused.value.user_message
    assert files.rules(agency.store) == held


def _configured(tmp_path: Path, pki: PlatformPki) -> TerminalConfig:
    """A terminal's configuration with the platform's anchors installed, as enrollment leaves it."""
    config = TerminalConfig(
        data_dir=tmp_path / "terminal", platform_url="https://127.0.0.1:1", extra={"office_code": pki.world.office_code}
    )
    identity_dir(config).mkdir(parents=True)
    (config.data_dir / "config.toml").write_text(
        f'platform_url = "{config.platform_url}"\noffice_code = "{pki.world.office_code}"\n', encoding="utf-8"
    )
    anchors = [pki.world.root.certificate, pki.world.intermediate.certificate]
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in anchors)
    (identity_dir(config) / "trust.pem").write_bytes(pem)
    (identity_dir(config) / "crl.pem").write_bytes(pki.world.root.crl_pem() + pki.world.intermediate.crl_pem())
    return config


def test_the_services_use_what_the_office_published(tmp_path: Path, agency: Side, pki: PlatformPki) -> None:
    config = _configured(tmp_path, pki)
    store: Store = agency.store
    assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE  # the CRLs (and what is published)
    assert screening_rules(store, config).issued_by != "测试办公室第七版"  # the shipped or an earlier version
    assert not working_calendar(store, config).is_published(2033)
    files = OfficeFiles(agency.trust_source)
    files.install(store, RULES, _signed(pki, SCREENING_RULES, 7, _rules("测试办公室第七版")))
    files.install(store, CALENDAR, _signed(pki, HOLIDAY_CALENDAR, 20, _year(2033)))
    assert screening_rules(store, config).issued_by == "测试办公室第七版"
    assert working_calendar(store, config).source(2033) == "2033测试用日历（非官方）"
    # without a platform configured there is no office to verify with: the shipped files serve
    bare = TerminalConfig(data_dir=tmp_path / "bare")
    assert screening_rules(store, bare).issued_by != "测试办公室第七版"
    assert not working_calendar(store, bare).is_published(2033)


def _due(capsys: pytest.CaptureFixture[str], data_dir: Path, *files: Path) -> str:
    parser = argparse.ArgumentParser(prog="lianjie calendar")
    calendar_command.add_arguments(parser)
    args = parser.parse_args(
        ["due", "--from", "2033-12-31", "--working-days", "5", *[f"--calendar={f}" for f in files]]
    )
    args.data_dir = str(data_dir)
    assert calendar_command.run(args) == 0
    return capsys.readouterr().out.strip()


def test_calendar_due_takes_only_a_calendar_the_office_signed(
    tmp_path: Path, pki: PlatformPki, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _configured(tmp_path, pki)
    signed, unsigned, foreign = tmp_path / "2034.p7s", tmp_path / "2034.toml", tmp_path / "2034-enf.p7s"
    signed.write_bytes(_signed(pki, HOLIDAY_CALENDAR, 1, _year(2034)))
    unsigned.write_bytes(_year(2034))
    foreign.write_bytes(_signed(pki, HOLIDAY_CALENDAR, 1, _year(2034), signer=pki.world.enforcement_operator))
    assert _due(capsys, config.data_dir) == "2034-01-06 provisional"  # 元旦 alone off, by the statutory rule
    assert _due(capsys, config.data_dir, signed) == "2034-01-11"  # 01-01..04 off by the notice
    for bad, reason in [
        (unsigned, "节假日安排文件未予使用：发布文件无效"),
        (foreign, "不是由两法衔接领导小组办公室签名的"),
        (tmp_path / "missing.p7s", "无法读取文件"),
    ]:
        with pytest.raises(AppError) as refused:
            _due(capsys, config.data_dir, bad)
        assert reason in refused.value.user_message, refused.value.user_message


def test_publish_refuses_what_every_terminal_would_refuse(pki: PlatformPki, published: PlatformConfig) -> None:
    served = published.published_dir / "holiday-calendar.p7s"
    before = served.read_bytes() if served.exists() else None
    with pytest.raises(AppError) as refused:
        publish(published, HOLIDAY_CALENDAR, _signed(pki, HOLIDAY_CALENDAR, 99, b"format = ["))
    assert "节假日日历文件" in refused.value.user_message
    with pytest.raises(AppError) as refused:
        publish(published, SCREENING_RULES, _signed(pki, SCREENING_RULES, 99, _year(2030)))
    assert "以罚代刑筛查规则文件" in refused.value.user_message
    with pytest.raises(AppError) as refused:
        publish(published, AGENCY_DIRECTORY, _signed(pki, AGENCY_DIRECTORY, 99, b'{"agencies": 3}'))
    assert "成员单位名录内容无法识别" in refused.value.user_message
    assert (served.read_bytes() if served.exists() else None) == before

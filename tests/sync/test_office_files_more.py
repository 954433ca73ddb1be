"""The office's publications held on a terminal: corrupt state never stops the sync or a deadline view, what is held
is verified again as of when it was kept, the services and ``lianjie calendar due`` use it, and ``publish`` refuses
what every terminal would refuse."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from app.commands import calendar as calendar_command
from app.config import TerminalConfig
from app.domain.errors import AppError
from app.services.office import screening_rules, working_calendar
from app.services.sync import trust_source
from app.sync.inbox import write_state
from app.sync.office_files import CALENDAR, RULES, OfficeFiles
from app.sync.packet import PacketRejected
from app.sync.packet.errors import PublishedDocumentInvalid
from app.sync.packet.published import AGENCY_DIRECTORY, HOLIDAY_CALENDAR, SCREENING_RULES, calendar_name
from app.sync.state import SyncPhase
from server.config import PlatformConfig, load_platform_config
from server.published import publish
from tests.server.platform_support import PlatformPki, RunningPlatform, publish_crl
from tests.sync.office_support import NEXT_YEAR, configured_terminal, late_crls, rules_file, serve, signed, year_file
from tests.sync.test_engine import transferred_case
from tests.sync.test_engine_support import Side


@pytest.fixture
def published(platform: RunningPlatform) -> PlatformConfig:
    return load_platform_config(platform.config)


@pytest.mark.parametrize(
    "garbage",
    [
        "{not json",
        '{"2027": {"signed": "%%%", "verified_at": "2026-11-01T00:00:00+00:00", "version": 1, "content_sha256": ""}}',
        '{"2027": {"signed": "", "verified_at": "2026-11-01T00:00:00", "version": 1, "content_sha256": ""}}',
        '{"2027": 5}',
        "[]",
    ],
)
def test_corrupt_held_state_never_stops_the_packets_or_a_deadline_view(
    agency: Side, pki: PlatformPki, published: PlatformConfig, garbage: str
) -> None:
    serve(published, calendar_name(NEXT_YEAR), signed(pki, HOLIDAY_CALENDAR, 40, year_file(NEXT_YEAR)))
    agency.store.write(lambda s: write_state(s, CALENDAR.key, garbage))
    files = OfficeFiles(agency.trust_source)
    assert not files.calendar(agency.store).is_published(NEXT_YEAR)  # the shipped ones serve meanwhile
    transferred_case(agency, pki, f"银兴市监立〔{NEXT_YEAR}〕{len(garbage)}号")
    report = agency.engine.run_once()
    assert (report.status.phase, report.status.reason, report.pushed) == (SyncPhase.UP_TO_DATE, "", 4)
    assert files.calendar(agency.store).is_published(NEXT_YEAR)  # and the publication replaced the garbage


@pytest.fixture
def office_key(pki: PlatformPki, platform: RunningPlatform) -> Iterator[object]:
    """A second office operator whose certificate was valid from 50 to about 36 minutes ago (the test root is an
    hour old); the CRL is restored after."""
    world = pki.world
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=50)
    key = world.root.issue_operator("钱办公", world.office_code, "两法衔接领导小组办公室", "OFF-002",
                                    days=0.01, not_before=start)  # type: ignore[arg-type]  # fmt: skip
    yield key
    world.root.revoked.pop(key.certificate.serial_number, None)
    publish_crl(pki, platform.config)


def test_held_ones_are_verified_again_as_of_when_they_were_kept(
    agency: Side, pki: PlatformPki, platform: RunningPlatform, office_key: object
) -> None:
    assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE  # the CRLs
    kept_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=45)  # while that certificate was valid
    then = OfficeFiles(agency.trust_source, now=lambda: kept_at)
    then.install(agency.store, RULES, signed(pki, SCREENING_RULES, 60, rules_file("过期证书签发"), office_key))  # type: ignore[arg-type]
    files = OfficeFiles(agency.trust_source)
    rules = files.rules(agency.store)
    assert rules is not None and rules.issued_by == "过期证书签发"  # expired since: still the office's publication
    with pytest.raises(PublishedDocumentInvalid):  # but not if it came now
        files.install(agency.store, RULES, signed(pki, SCREENING_RULES, 61, rules_file("现在"), office_key))  # type: ignore[arg-type]
    # revoked before it was kept (a key compromise found later): left out
    pki.world.root.revoke(office_key.certificate, when=kept_at - dt.timedelta(minutes=1))  # type: ignore[attr-defined]
    publish_crl(pki, platform.config)
    assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE
    assert files.rules(agency.store) is None


def test_the_services_use_what_the_office_published(tmp_path: Path, agency: Side, pki: PlatformPki) -> None:
    config = configured_terminal(tmp_path / "terminal", pki)
    store = agency.store
    assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE  # the CRLs (and what is published)
    assert screening_rules(store, config).issued_by != "测试办公室第七版"
    assert not working_calendar(store, config).is_published(2041)
    files = OfficeFiles(agency.trust_source)
    files.install(store, RULES, signed(pki, SCREENING_RULES, 70, rules_file("测试办公室第七版")))
    files.install(store, CALENDAR, signed(pki, HOLIDAY_CALENDAR, 20, year_file(2041)))
    assert screening_rules(store, config).issued_by == "测试办公室第七版"
    assert working_calendar(store, config).source(2041) == "2041测试用日历（非官方）"
    # without a platform configured there is no office to verify with: the shipped files serve
    bare = TerminalConfig(data_dir=tmp_path / "bare")
    assert screening_rules(store, bare).issued_by != "测试办公室第七版"
    assert not working_calendar(store, bare).is_published(2041)


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
    config = configured_terminal(tmp_path / "terminal", pki)
    good, unsigned, foreign = tmp_path / "2034.p7s", tmp_path / "2034.toml", tmp_path / "2034-enf.p7s"
    good.write_bytes(signed(pki, HOLIDAY_CALENDAR, 1, year_file(2034)))
    unsigned.write_bytes(year_file(2034))
    foreign.write_bytes(signed(pki, HOLIDAY_CALENDAR, 1, year_file(2034), pki.world.enforcement_operator))
    huge = tmp_path / "huge.p7s"
    huge.write_bytes(b"\x30" + b"\0" * calendar_command.MAX_PUBLICATION_BYTES)
    assert _due(capsys, config.data_dir) == "2034-01-06 provisional"  # 元旦 alone off, by the statutory rule
    assert _due(capsys, config.data_dir, good) == "2034-01-11"  # 01-01..04 off by the notice
    for bad, reason in [
        (unsigned, "节假日安排文件 2034.toml 未经签名"),
        (foreign, "不是由两法衔接领导小组办公室签名的"),
        (huge, "超过 256 KB"),
        (tmp_path / "missing.p7s", "无法读取文件"),
    ]:
        with pytest.raises(AppError) as refused:
            _due(capsys, config.data_dir, bad)
        assert reason in refused.value.for_operator(), refused.value.for_operator()
        assert "已继续使用" not in refused.value.for_operator()


@pytest.mark.parametrize("policy", ["warn", "refuse"])
def test_calendar_due_on_an_offline_terminal_follows_its_stale_crl_policy(
    tmp_path: Path, pki: PlatformPki, capsys: pytest.CaptureFixture[str], policy: str
) -> None:
    stale = late_crls(pki, dt.timedelta(days=20))
    config = configured_terminal(tmp_path / "terminal", pki, crl=stale, policy=policy)
    good = tmp_path / "2034.p7s"
    good.write_bytes(signed(pki, HOLIDAY_CALENDAR, 1, year_file(2034)))
    if policy == "warn":  # as login does on this terminal
        assert _due(capsys, config.data_dir, good) == "2034-01-11"
        return
    with pytest.raises(AppError) as refused:
        _due(capsys, config.data_dir, good)
    assert "吊销列表" in refused.value.user_message


def test_publish_refuses_what_every_terminal_would_refuse(pki: PlatformPki, published: PlatformConfig) -> None:
    publish(published, HOLIDAY_CALENDAR, signed(pki, HOLIDAY_CALENDAR, 50, year_file(2045)))
    served = published.published_dir / f"{calendar_name(2045)}.p7s"
    before = served.read_bytes()
    for name, data, reason in [
        (HOLIDAY_CALENDAR, signed(pki, HOLIDAY_CALENDAR, 99, b"format = ["), "节假日日历文件"),
        (SCREENING_RULES, signed(pki, SCREENING_RULES, 99, year_file(2030)), "以罚代刑筛查规则文件"),
        (AGENCY_DIRECTORY, signed(pki, AGENCY_DIRECTORY, 99, b'{"agencies": 3}'), "成员单位名录内容无法识别"),
        (HOLIDAY_CALENDAR, signed(pki, HOLIDAY_CALENDAR, 49, year_file(2045)), "已发布第 50 版；第 49 版更旧"),
        (HOLIDAY_CALENDAR, signed(pki, HOLIDAY_CALENDAR, 50, year_file(2045, holiday_to=2)), "同版而内容不同"),
    ]:
        with pytest.raises(AppError) as refused:
            publish(published, name, data)
        assert reason in refused.value.user_message, refused.value.user_message
    assert served.read_bytes() == before
    publish(published, HOLIDAY_CALENDAR, signed(pki, HOLIDAY_CALENDAR, 3, year_file(2046)))  # another year: its own
    assert (published.published_dir / f"{calendar_name(2046)}.p7s").exists() and served.read_bytes() == before


def test_the_sync_trust_follows_the_terminals_crl_grace_hours(tmp_path: Path, pki: PlatformPki) -> None:
    late = late_crls(pki, dt.timedelta(hours=2))
    config = configured_terminal(tmp_path / "terminal", pki, crl=late)
    signer = pki.world.office_operator
    now = dt.datetime.now(dt.UTC)
    lenient = trust_source(replace(config, crl_grace_hours=24), pki.world.office_code)
    lenient.validator(list(lenient.initial_crls)).validate(signer.certificate, list(signer.chain), now)
    strict = trust_source(replace(config, crl_grace_hours=1), pki.world.office_code)
    with pytest.raises(PacketRejected) as refused:
        strict.validator(list(strict.initial_crls)).validate(signer.certificate, list(signer.chain), now)
    assert "吊销列表" in refused.value.user_message

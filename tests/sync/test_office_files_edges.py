"""Edges of the office's publications found by review: held state lost with its ETag kept, an office key revoked
after publishing (on the platform and on the terminal), a platform from before each year had its own name, and the
sentences the operator reads."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

import pytest

from app.crypto.keys import SoftwareKey
from app.domain.errors import AppError
from app.sync.inbox import read_state, write_state
from app.sync.office_files import CALENDAR, RULES, OfficeFiles
from app.sync.packet import cms
from app.sync.packet.errors import PublishedDocumentInvalid
from app.sync.packet.published import HOLIDAY_CALENDAR, SCREENING_RULES, calendar_name
from app.sync.state import SyncPhase
from server.config import PlatformConfig, load_platform_config
from server.published import PublishedState, adopt_calendar, publish
from tests.server.platform_support import PlatformPki, RunningPlatform, publish_crl
from tests.sync.office_support import NEXT_YEAR, THIS_YEAR, rules_file, serve, signed, year_file
from tests.sync.test_engine_support import Side


@pytest.fixture
def published(platform: RunningPlatform) -> PlatformConfig:
    return load_platform_config(platform.config)


@pytest.fixture
def other_office(pki: PlatformPki, platform: RunningPlatform, published: PlatformConfig) -> Iterator[SoftwareKey]:
    """Another office operator, revoked by the test; after it: not revoked, rules no longer published."""
    world = pki.world
    key = world.root.issue_operator("孙办公", world.office_code, "两法衔接领导小组办公室", "OFF-003")
    yield key
    world.root.revoked.pop(key.certificate.serial_number, None)
    publish_crl(pki, platform.config)
    (published.published_dir / "screening-rules.p7s").unlink(missing_ok=True)


def test_held_state_lost_is_fetched_again_though_its_etag_was_kept(
    agency: Side, pki: PlatformPki, published: PlatformConfig
) -> None:
    good = signed(pki, HOLIDAY_CALENDAR, 40, year_file(NEXT_YEAR))
    serve(published, calendar_name(NEXT_YEAR), good)
    assert agency.engine.run_once().status.reason == ""
    etag = agency.store.read(lambda s: read_state(s, f"etag:{calendar_name(NEXT_YEAR)}"))
    assert etag == hashlib.sha256(good).hexdigest()  # the platform's ETag of what it serves
    agency.store.write(lambda s: write_state(s, CALENDAR.key, "{not json"))
    files = OfficeFiles(agency.trust_source)
    assert not files.calendar(agency.store).is_published(NEXT_YEAR)
    assert agency.engine.run_once().status.reason == ""  # asked without the ETag: served again, kept again
    assert files.calendar(agency.store).source(NEXT_YEAR) == f"{NEXT_YEAR}测试用日历（非官方）"


def test_publish_compares_with_the_published_one_though_its_signer_was_revoked_since(
    agency: Side, pki: PlatformPki, platform: RunningPlatform, published: PlatformConfig, other_office: SoftwareKey
) -> None:
    publish(published, SCREENING_RULES, signed(pki, SCREENING_RULES, 80, rules_file("第八十版"), other_office))
    assert agency.engine.run_once().status.reason == ""  # the terminal holds version 80
    pki.world.root.revoke(other_office.certificate)
    publish_crl(pki, platform.config)
    with pytest.raises(AppError) as refused:
        publish(published, SCREENING_RULES, signed(pki, SCREENING_RULES, 5, rules_file("第五版")))
    assert "已发布第 80 版；第 5 版更旧" in refused.value.user_message


def test_a_held_one_whose_signer_was_revoked_before_is_replaced_by_the_same_version_re_signed(
    agency: Side, pki: PlatformPki, platform: RunningPlatform, published: PlatformConfig, other_office: SoftwareKey
) -> None:
    assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE
    files = OfficeFiles(agency.trust_source)
    content = rules_file("第九十五版")
    files.install(agency.store, RULES, signed(pki, SCREENING_RULES, 95, content, other_office))
    # a key compromise found later: revoked as of before the rules were kept
    pki.world.root.revoke(other_office.certificate, when=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    publish_crl(pki, platform.config)
    assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE
    assert files.rules(agency.store) is None  # left out: the shipped default serves
    serve(published, SCREENING_RULES, signed(pki, SCREENING_RULES, 2, rules_file("第二版")))
    reason = agency.engine.run_once().status.reason
    assert "第 2 版比本机已有的第 95 版旧" in reason  # the high-water mark stays
    assert reason.endswith("已继续使用程序自带的版本。请联系两法衔接领导小组办公室。")  # not the one held
    serve(published, SCREENING_RULES, signed(pki, SCREENING_RULES, 95, content))  # the office re-signs it
    assert agency.engine.run_once().status.reason == ""
    rules = files.rules(agency.store)
    assert rules is not None and rules.issued_by == "第九十五版"


def test_a_platform_upgraded_serves_the_calendar_it_held_by_its_year(
    pki: PlatformPki, published: PlatformConfig
) -> None:
    serve(published, HOLIDAY_CALENDAR, signed(pki, HOLIDAY_CALENDAR, 7, year_file(2061)))  # the layout before
    by_year = published.published_dir / f"{calendar_name(2061)}.p7s"
    try:
        adopt_calendar(published)  # as open_platform does at start
        state = PublishedState.__new__(PublishedState)
        state._config = published  # read() needs only the configuration
        found = state.read(calendar_name(2061))
        assert found is not None and found[0] == (published.published_dir / "holiday-calendar.p7s").read_bytes()
        newer = signed(pki, HOLIDAY_CALENDAR, 8, year_file(2061, holiday_to=2))
        serve(published, calendar_name(2061), newer)
        adopt_calendar(published)  # a year published by name since is not overwritten
        assert by_year.read_bytes() == newer
    finally:
        (published.published_dir / "holiday-calendar.p7s").unlink()
        by_year.unlink(missing_ok=True)


def test_a_terminal_gets_the_calendar_of_a_platform_without_names_by_year(
    agency: Side, pki: PlatformPki, published: PlatformConfig
) -> None:
    for year in (THIS_YEAR - 1, THIS_YEAR, NEXT_YEAR):
        (published.published_dir / f"{calendar_name(year)}.p7s").unlink(missing_ok=True)
    serve(published, HOLIDAY_CALENDAR, signed(pki, HOLIDAY_CALENDAR, 3, year_file(NEXT_YEAR)))
    try:
        assert agency.engine.run_once().status.reason == ""
        calendar = OfficeFiles(agency.trust_source).calendar(agency.store)
        assert calendar.source(NEXT_YEAR) == f"{NEXT_YEAR}测试用日历（非官方）"
    finally:
        (published.published_dir / "holiday-calendar.p7s").unlink()


def test_an_unreadable_envelope_is_named_once(agency: Side, pki: PlatformPki) -> None:
    assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE
    bogus = cms.sign(b'{"format":99}', pki.world.office_operator, detached=False)
    with pytest.raises(PublishedDocumentInvalid) as refused:
        OfficeFiles(agency.trust_source).install(agency.store, RULES, bogus)
    text = refused.value.for_operator()
    assert (
        text.startswith("平台发布的以罚代刑筛查规则未予使用：发布文件的封装格式无法识别。")
        and text.count("未予使用") == 1
    )

"""The platform's publications on the terminal never go back: an older CRL (a platform restored from a backup, or
worse) must not un-revoke a signer, and an older agency directory, or the same version with other content, is
refused. A signed directory that is no directory is a refused publication, not a crash. Real platform and stores."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from app.files import atomic_write_bytes
from app.models.audit import AuditKind, list_audit
from app.sync.packet import PacketRejected, build_packet
from app.sync.packet.errors import PublishedDocumentInvalid
from app.sync.packet.published import AGENCY_DIRECTORY, sign_document
from app.sync.state import SyncPhase
from server.config import PlatformConfig, load_platform_config
from server.published import publish
from tests.server.platform_support import PlatformPki, RunningPlatform, publish_crl
from tests.sync.office_support import late_crls
from tests.sync.test_engine_support import Side


@pytest.fixture
def published(platform: RunningPlatform, pki: PlatformPki) -> Iterator[PlatformConfig]:
    """The platform's configuration; its CRL and directory are published afresh after the test."""
    config = load_platform_config(platform.config)
    yield config
    publish_crl(pki, platform.config)  # first: a directory is published only under a current CRL
    _serve(config, _directory(pki, 1, json.loads(pki.world.directory_json())["agencies"]))


def _serve(config: PlatformConfig, signed: bytes) -> None:
    """What the platform serves as its directory: written as a platform restored from a backup (or worse) would
    serve it (``publish`` refuses an older or unreadable one)."""
    atomic_write_bytes(config.published_dir / "agency-directory.p7s", signed, mode=0o644)


def _directory(pki: PlatformPki, version: int, agencies: list[dict[str, object]]) -> bytes:
    content = json.dumps({"agencies": agencies}, ensure_ascii=False).encode()
    return sign_document(pki.world.office_operator, doc_type=AGENCY_DIRECTORY, version=version, content=content)


def test_an_older_crl_served_again_does_not_unrevoke_a_signer(
    agency: Side, pki: PlatformPki, published: PlatformConfig
) -> None:
    world = pki.world
    signer = world.intermediate.issue_operator("王某", world.enforcement_code, "市场监督管理局", "ENF-077")
    packet = build_packet(signer, kind="transfer.sent", case_id="C-9", recipients=[world.police_code], payload={})
    before = (published.published_dir / "crl.pem").read_bytes()  # the signer not revoked yet
    assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE
    world.intermediate.revoke(signer.certificate)
    try:
        publish(published, "crl", pki.world.root.crl_pem() + pki.world.intermediate.crl_pem())
        assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE
        publish(published, "crl", before)  # the platform restored from a backup serves the older list again
        report = agency.engine.run_once()
        assert report.status.phase is SyncPhase.UP_TO_DATE, report.status.reason
        with pytest.raises(PacketRejected) as refused:
            agency.trust_source.load(agency.store).verifier.verify(packet.data)
        assert refused.value.code == "signer-revoked"
    finally:
        world.intermediate.revoked.pop(signer.certificate.serial_number)


def test_an_expired_crl_does_not_replace_a_fresh_one(agency: Side, pki: PlatformPki, published: PlatformConfig) -> None:
    assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE
    held = sorted(str(crl.next_update_utc) for crl in agency.trust_source.load_crls(agency.store))
    publish(published, "crl", late_crls(pki, dt.timedelta(days=20)))
    report = agency.engine.run_once()
    assert report.status.phase is SyncPhase.UP_TO_DATE, report.status.reason  # it went on with the list it had
    assert sorted(str(crl.next_update_utc) for crl in agency.trust_source.load_crls(agency.store)) == held


def test_an_older_directory_or_the_same_version_with_other_content_is_refused(
    agency: Side, pki: PlatformPki, published: PlatformConfig
) -> None:
    world = pki.world
    agencies = json.loads(world.directory_json())["agencies"]
    _serve(published, _directory(pki, 5, agencies))
    assert agency.engine.run_once().status.phase is SyncPhase.UP_TO_DATE
    with pytest.raises(PublishedDocumentInvalid) as older:
        agency.trust_source.install_directory(agency.store, _directory(pki, 1, agencies))  # brought by hand
    assert older.value.user_message == "成员单位名录第 1 版比本机已有的第 5 版旧，未予使用。"
    without_police = [a for a in agencies if a["code"] != world.police_code]
    _serve(published, _directory(pki, 5, without_police))
    report = agency.engine.run_once()
    assert report.status.phase is SyncPhase.ERROR and "内容与本机已有的不同" in report.status.reason
    assert world.police_code in agency.trust_source.load(agency.store).directory.agencies


def test_a_signed_directory_that_is_no_directory_is_refused_not_a_crash(
    agency: Side, pki: PlatformPki, published: PlatformConfig
) -> None:
    agencies = json.loads(pki.world.directory_json())["agencies"]
    broken = [{**agencies[0], "kind": "bogus"}, *agencies[1:]]
    _serve(published, _directory(pki, 7, broken))
    report = agency.engine.run_once()
    assert report.status.phase is SyncPhase.ERROR and report.status.reason.startswith(
        "平台发布的成员单位名录内容无法识别"
    )


def test_a_clock_far_off_is_named_first_when_the_pass_fails(
    agency: Side, pki: PlatformPki, published: PlatformConfig
) -> None:
    """A clock days off makes CRLs and certificates look expired, and the pass fails on that: the operator was sent
    after the failure, with no skew reported and no audit row. The clock is what to fix."""
    agencies = json.loads(pki.world.directory_json())["agencies"]
    _serve(published, _directory(pki, 7, [{**agencies[0], "kind": "bogus"}, *agencies[1:]]))
    agency.engine.clock = lambda: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)
    report = agency.engine.run_once()
    assert report.status.phase is SyncPhase.ERROR
    assert report.status.reason.startswith("本机时钟与平台相差约 11 分钟（超过 5 分钟），请校准本机时间。平台发布的")
    assert report.status.clock_skew is not None and report.status.clock_skew > dt.timedelta(minutes=10)
    rows = agency.store.read(lambda s: list_audit(s, limit=1000))
    assert [row.kind for row in rows].count(AuditKind.CLOCK_SKEW) == 1

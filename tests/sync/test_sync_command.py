"""``lianjie sync --once`` run as the operator would (the CLI entry point, a PKCS#12 operator, the PIN from the
environment) against a real platform on loopback TLS: exit 0 when up to date, 1 with a Chinese reason when the
platform cannot be reached."""

from __future__ import annotations

import datetime as dt
import types
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization.pkcs12 import load_pkcs12

import app.sync.packet.published as published_module
from app.cli import main
from app.commands.sync import PIN_ENV
from app.config import load_config
from app.crypto.pki.material import write_pkcs12
from app.crypto.signers import Pkcs12Signer
from app.domain.agencies import AgencyKind
from app.domain.errors import AppError
from app.services.case_view import acting_desk
from app.services.enrollment import enroll_terminal
from app.services.identity import installed_crls, list_candidates
from app.services.login import LoginService
from app.services.sync_outgoing import PacketOutbox
from tests.server.platform_support import (
    PlatformPki,
    RunningPlatform,
    free_port,
    publish_crl,
)
from tests.sync.packet_support import _name, new_key

PASSWORD = "operator-p12-pass"


def enrolled_terminal(folder: Path, pki: PlatformPki, url: str) -> tuple[Path, Path]:
    """An enforcement terminal enrolled with a PKCS#12 operator of the platform's PKI; (data dir, operator file)."""
    world = pki.world
    key = new_key("ec")
    builder = world.intermediate._builder(
        _name("张执法", "市场监督管理局", world.enforcement_code, "ENF-002"), key.public_key(), 365, None
    )
    certificate = (
        world.intermediate._end_entity(builder)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(world.intermediate.key, hashes.SHA256())
    )
    p12 = folder / "operator.p12"
    folder.mkdir(parents=True)
    write_pkcs12(p12, key, certificate, [world.intermediate.certificate], PASSWORD.encode(), "张执法")
    data = folder / "data"
    data.mkdir()
    (data / "config.toml").write_text(
        f'platform_url = "{url}"\noffice_code = "{world.office_code}"\nkeyring_policy = "development-file"\n'
        f'development_keyring_file = "{folder / "keyring.json"}"\n',
        encoding="utf-8",
    )
    terminal_key, terminal_certificate = pki.terminals["enforcement"]
    roots = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (world.root.certificate,
                                                                          world.intermediate.certificate))  # fmt: skip
    enroll_terminal(
        load_config(data), platform_roots_pem=roots,
        terminal_bundle=Pkcs12Signer(terminal_key, terminal_certificate),
        first_operator=Pkcs12Signer.from_file(p12, PASSWORD), first_operator_pkcs12=p12, crl=world.root.crl_pem(),
    )  # fmt: skip
    return data, p12


def test_sync_once_exits_0_when_up_to_date(
    tmp_path: Path, pki: PlatformPki, platform: RunningPlatform, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    data, p12 = enrolled_terminal(tmp_path / "terminal", pki, platform.url)
    monkeypatch.setenv(PIN_ENV, PASSWORD)
    assert main(["--data-dir", str(data), "sync", "--once", "--p12", str(p12)]) == 0
    out = capsys.readouterr().out
    assert "状态：" in out and "待发送 0" in out
    assert "本机与平台时差" in out


def test_sync_once_exits_1_with_a_chinese_reason_when_the_platform_is_unreachable(
    tmp_path: Path, pki: PlatformPki, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data, p12 = enrolled_terminal(tmp_path / "terminal", pki, f"https://127.0.0.1:{free_port()}")
    monkeypatch.setenv(PIN_ENV, PASSWORD)
    assert main(["--data-dir", str(data), "sync", "--once", "--p12", str(p12)]) == 1
    out = capsys.readouterr().out
    assert "无法连接平台" in out, out


def test_an_operator_revoked_after_enrollment_cannot_log_in_once_the_terminal_synced(
    tmp_path: Path, pki: PlatformPki, platform: RunningPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Login checked only the CRL installed at enrollment: the lists the sync fetched and verified never reached it,
    so an operator revoked later logged in for ever (and after ~8 days every login met a stale list)."""
    data, p12 = enrolled_terminal(tmp_path / "terminal", pki, platform.url)
    certificate = load_pkcs12(p12.read_bytes(), PASSWORD.encode()).cert
    assert certificate is not None
    revoked = certificate.certificate
    pki.world.intermediate.revoke(revoked)
    try:
        publish_crl(pki, platform.config)
        monkeypatch.setenv(PIN_ENV, PASSWORD)
        assert main(["--data-dir", str(data), "sync", "--once", "--p12", str(p12)]) == 0
        config = load_config(data)
        assert len(installed_crls(config)) == 2  # the root's and the intermediate's, as published
        (candidate,) = [c for c in list_candidates(config, None) if c.location == str(p12)]
        with pytest.raises(AppError) as refused:
            LoginService(config).login(candidate, lambda _reason: PASSWORD)
        assert "吊销" in refused.value.for_operator()
    finally:
        pki.world.intermediate.revoked.pop(revoked.serial_number)
        publish_crl(pki, platform.config)


def test_records_can_still_be_entered_after_ten_days_offline(
    tmp_path: Path, pki: PlatformPki, platform: RunningPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offline is normal (ARCHITECTURE.md). Ten days without the platform put the CRL held past its grace (7 days +
    24 h), and building the operator's desk re-verified the directory as of now: no record could be entered. The
    published module's clock is moved on ten days; nothing else is changed."""
    data, p12 = enrolled_terminal(tmp_path / "terminal", pki, platform.url)
    monkeypatch.setenv(PIN_ENV, PASSWORD)
    assert main(["--data-dir", str(data), "sync", "--once", "--p12", str(p12)]) == 0
    config = load_config(data)
    (candidate,) = [c for c in list_candidates(config, None) if c.location == str(p12)]
    session = LoginService(config).login(candidate, lambda _reason: PASSWORD)
    try:

        class TenDaysLater(dt.datetime):
            @classmethod
            def now(cls, tz: dt.tzinfo | None = None) -> TenDaysLater:
                return cls.fromtimestamp((dt.datetime.now(tz) + dt.timedelta(days=10)).timestamp(), tz)

        later = types.ModuleType("datetime_ten_days_later")
        later.__dict__.update(dt.__dict__)
        later.datetime = TenDaysLater  # type: ignore[attr-defined]
        monkeypatch.setattr(published_module, "dt", later)
        outbox = acting_desk(session, config, AgencyKind.ENFORCEMENT).outgoing
        assert isinstance(outbox, PacketOutbox)
        assert pki.world.police_code in outbox.members  # addressed from the directory held, not the office only
    finally:
        session.lock("end")


def test_a_terminal_enrolled_with_a_newer_list_than_the_platforms_still_takes_each_cas_list(
    tmp_path: Path, pki: PlatformPki, platform: RunningPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enrollment installed the root's CRL, issued after the bundle the platform publishes: that bundle's root list is
    older and stays out, but its intermediate's list is still taken (lists are kept per CA, each never going back)."""
    data, p12 = enrolled_terminal(tmp_path / "terminal", pki, platform.url)
    enrolled = {crl.issuer: crl for crl in installed_crls(load_config(data))}
    monkeypatch.setenv(PIN_ENV, PASSWORD)
    assert main(["--data-dir", str(data), "sync", "--once", "--p12", str(p12)]) == 0
    kept = {crl.issuer: crl for crl in installed_crls(load_config(data))}
    world = pki.world
    assert set(kept) == {world.root.certificate.subject, world.intermediate.certificate.subject}
    assert kept[world.root.certificate.subject] == enrolled[world.root.certificate.subject]

"""Mutual TLS: who may connect, and that the application really sees the verified terminal certificate."""

from __future__ import annotations

import datetime as dt
import ssl
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from app.sync.platform_client import PlatformClient, PlatformUntrusted, TerminalCredentials, TerminalRefused
from server.config import load_platform_config
from server.published import publish
from tests.server.platform_support import (
    PlatformPki,
    RunningPlatform,
    in_thread,
    make_pki,
    publish_crl,
    stop_thread,
    write_platform,
)
from tests.sync.packet_support import make_root


def test_two_terminals_are_seen_as_their_own_agencies(platform: RunningPlatform, pki: PlatformPki) -> None:
    with platform.client("enforcement") as enforcement, platform.client("police") as police:
        assert enforcement.whoami()["agency"] == pki.world.enforcement_code
        assert police.whoami()["agency"] == pki.world.police_code
        assert police.whoami()["kind"] == "police"


def test_connection_without_client_certificate_is_refused(
    platform: RunningPlatform, pki: PlatformPki, tmp_path: Path
) -> None:
    context = ssl.create_default_context(cadata=pki.world.root.pem.decode())
    with httpx.Client(base_url=platform.url, verify=context) as anonymous, pytest.raises(httpx.TransportError):
        anonymous.get("/api/v1/whoami")


def test_a_terminal_issued_by_the_intermediate_ca_is_seen_as_its_agency(
    platform: RunningPlatform, pki: PlatformPki
) -> None:
    """docs/pki.md: with --intermediate, the intermediate CA issues the certificates. TLS accepted such a terminal
    (intermediates.pem is loaded there) but the application validated it without the intermediate: 403 to all."""
    key, certificate = pki.world.intermediate.issue_terminal("中级签发终端", pki.world.police_code)
    credentials = TerminalCredentials(certificate, key, [pki.world.intermediate.certificate])
    with PlatformClient(platform.url, credentials, [pki.world.root.certificate]) as client:
        assert client.whoami()["agency"] == pki.world.police_code


@pytest.mark.parametrize("name", ["foreign", "revoked"])
def test_foreign_and_revoked_terminals_are_refused(platform: RunningPlatform, name: str) -> None:
    with platform.client(name) as client, pytest.raises(TerminalRefused):
        client.whoami()


def test_terminal_refuses_a_platform_it_does_not_trust(platform: RunningPlatform, pki: PlatformPki) -> None:
    from app.sync.platform_client import PlatformClient

    stranger_root = make_root("其他根CA").certificate
    client = PlatformClient(platform.url, pki.credentials("enforcement"), [stranger_root])
    with client, pytest.raises(PlatformUntrusted):
        client.whoami()


def test_a_newly_published_crl_takes_effect_without_restart(tmp_path: Path) -> None:
    pki = make_pki()  # its own CA: revoking here must not disturb other tests
    running, _server = in_thread(pki, write_platform(pki, tmp_path))
    try:
        with running.client("other") as client:
            assert client.whoami()["agency"] == pki.world.other_code
        pki.world.root.revoke(pki.terminals["other"][1])
        publish_crl(pki, running.config)
        time.sleep(1.2)  # the platform re-reads published files at most once a second
        with running.client("other") as client, pytest.raises(TerminalRefused):
            client.whoami()
        with running.client("police") as client:
            assert client.whoami()["agency"] == pki.world.police_code
    finally:
        stop_thread(running)


def test_server_time_and_date_header_allow_skew_detection(platform: RunningPlatform) -> None:
    with platform.client("police") as client:
        reading = client.clock()
        assert not reading.too_far
        assert abs(reading.skew.total_seconds()) < 5


def _late_crl(authority: Any, hours_late: float) -> bytes:
    """``authority``'s CRL with its revocations, ``hours_late`` past its next update (the office published late)."""
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(now - dt.timedelta(days=7))
        .next_update(now - dt.timedelta(hours=hours_late))
    )
    for serial, when in authority.revoked.items():
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    return builder.sign(authority.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize(
    ("hours_late", "wait"), [(1.0, 0.0), (-2 / 3600, 3.5)], ids=["late-at-start", "turns-stale-while-running"]
)
def test_a_crl_published_late_is_honoured_for_its_day_of_grace_in_tls_too(
    tmp_path: Path, hours_late: float, wait: float
) -> None:
    """OpenSSL refused every handshake once the CRL passed its next update, with no grace: the office publishing an
    hour late shut every terminal out, while the application (and the terminals) allow 24 hours. Within the grace the
    revoked terminal is still refused. (Beyond it the platform refuses its published files.)"""
    pki = make_pki()
    config = write_platform(pki, tmp_path)
    crl = _late_crl(pki.world.root, hours_late) + _late_crl(pki.world.intermediate, hours_late)
    publish(load_platform_config(config), "crl", crl)
    running, _server = in_thread(pki, config)
    try:
        with running.client("police") as client:
            assert client.whoami()["agency"] == pki.world.police_code
        time.sleep(wait)  # turns-stale-while-running: past its next update now
        with running.client("police") as client:
            assert client.whoami()["agency"] == pki.world.police_code
        with running.client("revoked") as client, pytest.raises(TerminalRefused):
            client.whoami()
    finally:
        stop_thread(running)

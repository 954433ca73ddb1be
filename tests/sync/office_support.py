"""Shared by the tests of the office's publications: calendar and rules contents, signed by the test office."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from app.config import TerminalConfig
from app.crypto.keys import SoftwareKey
from app.files import atomic_write_bytes
from app.services.identity import identity_dir
from app.sync.packet.manifest import BEIJING
from app.sync.packet.published import sign_document
from server.config import PlatformConfig
from tests.server.platform_support import PlatformPki

RULES_FILE = Path(__file__).resolve().parents[2] / "resources" / "screening" / "default-rules.toml"
THIS_YEAR = dt.datetime.now(BEIJING).year  # the terminal asks for last, this and next year's calendar
NEXT_YEAR = THIS_YEAR + 1


def year_file(year: int, *, holiday_to: int = 4) -> bytes:
    """A calendar of ``year`` whose 元旦 runs from 1 January to ``holiday_to`` January."""
    return f"""format = "lianjie-calendar/1"
year = {year}
source = "{year}测试用日历（非官方）"

[[holidays]]
name = "元旦"
from = {year}-01-01
to = {year}-01-0{holiday_to}
""".encode()


def rules_file(issued_by: str) -> bytes:
    """The shipped rules, issued by ``issued_by``."""
    text = RULES_FILE.read_text(encoding="utf-8")
    start = text.index("issued_by")
    end = text.index("\n", start)
    return (text[:start] + f'issued_by = "{issued_by}"' + text[end:]).encode()


def signed(pki: PlatformPki, doc_type: str, version: int, content: bytes, signer: SoftwareKey | None = None) -> bytes:
    key = signer or pki.world.office_operator
    return sign_document(key, doc_type=doc_type, version=version, content=content, media_type="application/toml")


def serve(config: PlatformConfig, name: str, data: bytes) -> None:
    """What the platform serves under ``name``, written as a rogue platform (or one restored from a backup) would
    serve it: ``publish`` refuses what the terminals would refuse."""
    atomic_write_bytes(config.published_dir / f"{name}.p7s", data, mode=0o644)


def late_crls(pki: PlatformPki, late: dt.timedelta) -> bytes:
    """The root's and the intermediate's CRLs, each past its next update by ``late`` (issued ten days before that)."""
    now = dt.datetime.now(dt.UTC)
    bundle = b""
    for authority in (pki.world.root, pki.world.intermediate):
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(authority.certificate.subject)
            .last_update(now - late - dt.timedelta(days=10))
            .next_update(now - late)
        )
        bundle += builder.sign(authority.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)  # type: ignore[arg-type]
    return bundle


def configured_terminal(
    folder: Path, pki: PlatformPki, *, crl: bytes | None = None, policy: str = "warn"
) -> TerminalConfig:
    """A terminal's data folder as enrollment leaves it: config.toml (platform, office), anchors, CRLs."""
    config = TerminalConfig(
        data_dir=folder, platform_url="https://127.0.0.1:1", stale_crl_policy=policy,  # type: ignore[arg-type]
        extra={"office_code": pki.world.office_code},
    )  # fmt: skip
    identity_dir(config).mkdir(parents=True)
    (folder / "config.toml").write_text(
        f'platform_url = "{config.platform_url}"\noffice_code = "{pki.world.office_code}"\n'
        f'stale_crl_policy = "{policy}"\n',
        encoding="utf-8",
    )
    anchors = [pki.world.root.certificate, pki.world.intermediate.certificate]
    (identity_dir(config) / "trust.pem").write_bytes(
        b"".join(c.public_bytes(serialization.Encoding.PEM) for c in anchors)
    )
    crls = crl if crl is not None else pki.world.root.crl_pem() + pki.world.intermediate.crl_pem()
    (identity_dir(config) / "crl.pem").write_bytes(crls)
    return config

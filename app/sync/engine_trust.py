"""What the engine verifies with: the trust anchors, the latest CRLs and the agency directory, both published by
the platform and verified before use. The verified publications are kept in the store so that a terminal that is
offline (or imports from a removable drive) verifies with the last ones it had."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session

from app.crypto.validation import newest_per_issuer
from app.domain.agencies import AgencyKind
from app.models.store import Store
from app.sync.inbox import read_state, write_state
from app.sync.packet import AgencyDirectory, ChainValidator, PacketVerifier, Quarantine
from app.sync.packet.errors import PublishedDocumentInvalid
from app.sync.packet.kinds import DirectoryInvalid
from app.sync.packet.published import AGENCY_DIRECTORY, verify_crls, verify_document
from app.sync.platform_client import PlatformClient

CRL_KEY = "published_crl"
DIRECTORY_KEY = "published_directory"
DIRECTORY_VERSION_KEY = "published_directory_version"
log = logging.getLogger("lianjie.sync.trust")


class DirectoryMissing(PublishedDocumentInvalid):
    code = "directory-missing"
    user_message = "尚未取得平台发布的成员单位名录，无法校验收到的数据包。"
    next_step = "请连接平台同步一次，或由管理员导入名录。"


@dataclass(frozen=True)
class Trust:
    """One verification configuration: a verifier (chain, CRLs, directory) and where refused packets go."""

    verifier: PacketVerifier
    directory: AgencyDirectory
    office_code: str
    quarantine: Quarantine

    def sender_kinds(self) -> dict[str, AgencyKind]:
        """Agency kind by code, from the directory."""
        return {code: agency.kind for code, agency in self.directory.agencies.items()}


@dataclass(frozen=True)
class TrustSource:
    """The fixed part (anchors, office, quarantine folder) from which each ``Trust`` is built."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...]
    office_code: str
    quarantine_dir: Path
    initial_crls: tuple[x509.CertificateRevocationList, ...] = ()
    on_crl: Callable[[bytes], object] | None = None  # told of each verified CRL bundle kept (login installs it)
    crl_grace: dt.timedelta = dt.timedelta(hours=24)  # the terminal's crl_grace_hours: a CRL past it is stale

    def validator(self, crls: Sequence[x509.CertificateRevocationList]) -> ChainValidator:
        """A chain validator over the anchors and ``crls``; a certificate without a fresh CRL is refused."""
        return ChainValidator(self.roots, crls, crl_grace=self.crl_grace)

    @property
    def issuers(self) -> Sequence[x509.Certificate]:
        return (*self.roots, *self.intermediates)

    def load(self, store: Store, *, at: dt.datetime | None = None) -> Trust:
        """The trust held in the store (publications re-verified, as of ``at`` or now), or ``DirectoryMissing``."""
        crl_text, directory_text = store.read(lambda s: (read_state(s, CRL_KEY), read_state(s, DIRECTORY_KEY)))
        crls = verify_crls(base64.b64decode(crl_text), self.issuers) if crl_text else list(self.initial_crls)
        validator = self.validator(crls)
        if directory_text is None:
            raise DirectoryMissing("no agency directory held")
        document = verify_document(
            base64.b64decode(directory_text),
            validator,
            office_code=self.office_code,
            expected_type=AGENCY_DIRECTORY,
            at=at,
        )
        directory = _directory(document.content)
        return Trust(PacketVerifier(validator, directory), directory, self.office_code, Quarantine(self.quarantine_dir))

    def refresh(self, store: Store, client: PlatformClient) -> bool:
        """Fetch the CRL and directory if they changed, verify them and keep them; True if anything changed."""
        changed = False
        crl = client.published("crl", self._etag(store, CRL_KEY))
        if crl is not None:
            kept, older = newest_per_issuer(self.load_crls(store), verify_crls(crl[0], self.issuers))
            if older:  # a platform restored from a backup, or worse: what it un-revokes stays revoked here
                issuers = [c.issuer.rfc4514_string() for c in older]
                log.warning("published CRL of %s is older than the one held: the held one stays", issuers)
            bundle = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in kept)
            self._keep(store, CRL_KEY, bundle, crl[1])
            changed = True
            self._tell_crl(bundle)
        directory = client.published(AGENCY_DIRECTORY, self._etag(store, DIRECTORY_KEY))
        if directory is not None:
            version = self._verified_directory(store, directory[0])
            self._keep(store, DIRECTORY_KEY, directory[0], directory[1], version=version)
            changed = True
        return changed

    def _tell_crl(self, bundle: bytes) -> None:
        if self.on_crl is None:
            return
        try:
            self.on_crl(bundle)
        except Exception:  # the sync goes on with the list it verified; login keeps the one it had
            log.exception("installing the published CRL for login failed")

    def _verified_directory(self, store: Store, signed: bytes) -> int:
        """The version of an office-signed directory that may replace the one held: verified, readable, not older,
        and of another version only if its content differs (the same version with other content is refused)."""
        validator = self.validator(self.load_crls(store))
        document = verify_document(signed, validator, office_code=self.office_code, expected_type=AGENCY_DIRECTORY)
        _directory(document.content)
        held_version, held_text = store.read(
            lambda s: (int(read_state(s, DIRECTORY_VERSION_KEY) or 0), read_state(s, DIRECTORY_KEY))
        )
        if document.version < held_version:
            raise PublishedDocumentInvalid(
                f"directory version {document.version} older than {held_version}",
                user_message=f"成员单位名录第 {document.version} 版比本机已有的第 {held_version} 版旧，未予使用。",
            )
        if document.version == held_version and held_text is not None:
            held = verify_document(
                base64.b64decode(held_text), validator, office_code=self.office_code, expected_type=AGENCY_DIRECTORY
            )
            if held.content != document.content:
                raise PublishedDocumentInvalid(
                    f"directory version {held_version} with other content",
                    user_message=f"成员单位名录第 {held_version} 版的内容与本机已有的不同，未予使用。",
                )
        return document.version

    def load_crls(self, store: Store) -> list[x509.CertificateRevocationList]:
        """The CRLs held (verified again)."""
        text = store.read(lambda s: read_state(s, CRL_KEY))
        return verify_crls(base64.b64decode(text), self.issuers) if text else list(self.initial_crls)

    def install_directory(self, store: Store, signed: bytes) -> None:
        """Install an office-signed directory brought by hand (an offline terminal), after verifying it: never one
        older than the one held."""
        self._keep(store, DIRECTORY_KEY, signed, "", version=self._verified_directory(store, signed))

    @staticmethod
    def _etag(store: Store, key: str) -> str | None:
        return store.read(lambda s: read_state(s, f"{key}_etag")) or None

    @staticmethod
    def _keep(store: Store, key: str, data: bytes, etag: str, version: int | None = None) -> None:
        def write(session: Session) -> None:
            write_state(session, key, base64.b64encode(data).decode("ascii"))
            write_state(session, f"{key}_etag", etag)
            if version is not None:
                write_state(session, DIRECTORY_VERSION_KEY, str(version))

        store.write(write)


def _directory(content: bytes) -> AgencyDirectory:
    """The directory a verified document holds; content the office signed but that is no directory is refused as a
    publication is (it raised ``DirectoryInvalid``, a ``ValueError``: a traceback from ``sync --once``)."""
    try:
        return AgencyDirectory.from_json(content)
    except DirectoryInvalid as exc:
        message = "平台发布的成员单位名录内容无法识别，未予使用。"
        raise PublishedDocumentInvalid(f"directory unreadable: {exc}", user_message=message) from None

"""What the engine verifies with: the trust anchors, the latest CRLs and the agency directory, both published by
the platform and verified before use. The verified publications are kept in the store so that a terminal that is
offline (or imports from a removable drive) verifies with the last ones it had."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from sqlalchemy.orm import Session

from app.domain.agencies import AgencyKind
from app.models.store import Store
from app.sync.inbox import read_state, write_state
from app.sync.packet import AgencyDirectory, ChainValidator, PacketVerifier, Quarantine
from app.sync.packet.errors import PublishedDocumentInvalid
from app.sync.packet.published import AGENCY_DIRECTORY, verify_crls, verify_document
from app.sync.platform_client import PlatformClient

CRL_KEY = "published_crl"
DIRECTORY_KEY = "published_directory"
DIRECTORY_VERSION_KEY = "published_directory_version"


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

    @property
    def issuers(self) -> Sequence[x509.Certificate]:
        return (*self.roots, *self.intermediates)

    def load(self, store: Store) -> Trust:
        """The trust held in the store (publications re-verified), or ``DirectoryMissing``."""
        crl_text, directory_text = store.read(lambda s: (read_state(s, CRL_KEY), read_state(s, DIRECTORY_KEY)))
        crls = verify_crls(base64.b64decode(crl_text), self.issuers) if crl_text else list(self.initial_crls)
        validator = ChainValidator(self.roots, crls)
        if directory_text is None:
            raise DirectoryMissing("no agency directory held")
        document = verify_document(
            base64.b64decode(directory_text), validator, office_code=self.office_code, expected_type=AGENCY_DIRECTORY
        )
        directory = AgencyDirectory.from_json(document.content)
        return Trust(PacketVerifier(validator, directory), directory, self.office_code, Quarantine(self.quarantine_dir))

    def refresh(self, store: Store, client: PlatformClient) -> bool:
        """Fetch the CRL and directory if they changed, verify them and keep them; True if anything changed."""
        changed = False
        crl = client.published("crl", self._etag(store, CRL_KEY))
        if crl is not None:
            verify_crls(crl[0], self.issuers)
            self._keep(store, CRL_KEY, crl[0], crl[1])
            changed = True
        directory = client.published(AGENCY_DIRECTORY, self._etag(store, DIRECTORY_KEY))
        if directory is not None:
            validator = ChainValidator(self.roots, self.load_crls(store))
            document = verify_document(
                directory[0], validator, office_code=self.office_code, expected_type=AGENCY_DIRECTORY
            )
            AgencyDirectory.from_json(document.content)
            held = int(store.read(lambda s: read_state(s, DIRECTORY_VERSION_KEY)) or 0)
            if document.version < held:
                raise PublishedDocumentInvalid(f"directory version {document.version} older than {held}")
            self._keep(store, DIRECTORY_KEY, directory[0], directory[1], version=document.version)
            changed = True
        return changed

    def load_crls(self, store: Store) -> list[x509.CertificateRevocationList]:
        """The CRLs held (verified again)."""
        text = store.read(lambda s: read_state(s, CRL_KEY))
        return verify_crls(base64.b64decode(text), self.issuers) if text else list(self.initial_crls)

    def install_directory(self, store: Store, signed: bytes) -> None:
        """Install an office-signed directory brought by hand (an offline terminal), after verifying it."""
        validator = ChainValidator(self.roots, self.load_crls(store))
        document = verify_document(signed, validator, office_code=self.office_code, expected_type=AGENCY_DIRECTORY)
        self._keep(store, DIRECTORY_KEY, signed, "", version=document.version)

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

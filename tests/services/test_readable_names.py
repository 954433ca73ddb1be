"""Names, not codes: the case timeline names the agency (directory) and the operator (signed packets, enrolment),
and the mailboxes name what a consultation or 备案 is about instead of its UUID."""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile

from app.domain.agencies import AgencyKind
from app.domain.timezone import CST
from app.models.directory import DirectoryEntry, save_agency
from app.models.store import Store
from app.models.sync_tables import InboxRow
from app.services import affairs
from app.services.case_view import case_view
from app.services.mailbox_queries import incoming_packets
from app.sync.packet.archive import MANIFEST_NAME
from app.sync.packet.manifest import Manifest, Operator, freeze_json
from tests.domain.factory import ENFORCEMENT, POLICE
from tests.services.test_case_support import Clock, desk, open_case


def _packet(case_id: str, operator_id: str, name: str) -> bytes:
    manifest = Manifest(
        packet_id=uuid.uuid4(), kind="case_opened", case_id=case_id, sender_agency=ENFORCEMENT.code,
        operator=Operator(id=operator_id, name=name), recipients=(POLICE.code,),
        created_at=dt.datetime(2026, 3, 2, 9, tzinfo=CST), payload=freeze_json({}), attachments=(), responds_to=(),
        supersedes=None,
    )  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(MANIFEST_NAME, manifest.to_json())
    return buffer.getvalue()


def _receive(store: Store, case_id: str, sender: str, data: bytes = b"") -> None:
    store.write(
        lambda s: s.add(
            InboxRow(
                packet_id=str(uuid.uuid4()), seq=None, origin="platform", kind="consultation_asked", case_id=case_id,
                sender=sender, manifest_sha256="0" * 64, packet_sha256="0" * 64, data=data,
                received_at=dt.datetime(2026, 3, 2, 10, tzinfo=CST), applied=True, apply_error="", applied_at=None,
            )
        )
    )  # fmt: skip


def test_the_timeline_names_the_agency_and_the_operator(store: Store, clock: Clock) -> None:
    case_id = open_case(store, clock)
    now = dt.datetime(2026, 3, 2, 12, tzinfo=CST)
    (bare,) = case_view(store, case_id, AgencyKind.ENFORCEMENT, now=now).timeline
    assert bare.who == f"{ENFORCEMENT.code} / op-enforcement"  # unknown here: the codes, nothing invented
    store.write(lambda s: save_agency(s, DirectoryEntry(ENFORCEMENT, "银兴市监")))
    _receive(store, case_id, ENFORCEMENT.code, _packet(case_id, "op-enforcement", "王丽"))
    (entry,) = case_view(store, case_id, AgencyKind.ENFORCEMENT, now=now).timeline
    assert entry.who == f"{ENFORCEMENT.name} / 王丽"
    assert entry.who_codes == f"{ENFORCEMENT.code} / op-enforcement"
    names = {"op-enforcement": "李强"}
    (enrolled,) = case_view(store, case_id, AgencyKind.ENFORCEMENT, now=now, enrolled=names).timeline
    assert enrolled.operator_name == "李强"


def test_the_inbox_names_a_consultation_by_its_question(store: Store, clock: Clock) -> None:
    asked = affairs.ask_consultation(
        desk(store, POLICE, clock), consulted_code=ENFORCEMENT.code, consulted_kind=AgencyKind.ENFORCEMENT,
        written=True, question="该产品的质量标准是什么？",
    )  # fmt: skip
    (affair_id,) = asked.affairs
    _receive(store, affair_id, POLICE.code)
    (packet,) = store.read(incoming_packets)
    assert packet.case_label == "案件咨询：该产品的质量标准是什么？"
    assert affair_id not in packet.case_label

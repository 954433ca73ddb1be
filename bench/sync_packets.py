"""The bench's packets: real transfers of suspected crimes, as ``PacketOutbox`` signs them on a sending terminal.

Each packet carries the 移送 record of its own case with the sender's earlier records of that case (opened, the
transfer report with a long 案情 summary, the head's approval), so the receiving terminal's applier rebuilds the
case from the packet alone, exactly as a police terminal does with a real transfer: ≈ 22 KB of payload and one
100 KB attachment (the 移送书 PDF stand-in: random bytes), ≈ 130 KB signed.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from dataclasses import dataclass
from typing import Any

from app.domain.agencies import AgencyKind
from app.domain.events import CaseOpened, Event, HeadDecision, TransferMaterial, Transferred, TransferReported
from app.domain.timezone import CST
from app.services.sync_outgoing import packet_id_for
from app.sync.apply_payload import case_payload
from app.sync.packet import Attachment, build_packet, holder_of
from tests.server.platform_support import PlatformPki

SUMMARY = "当事人在经营活动中销售不符合国家标准的产品，货值金额八万六千五百元，经检验为不合格产品。" * 160  # ≈ 21 KB
MATERIALS = (
    TransferMaterial.TRANSFER_LETTER,
    TransferMaterial.INVESTIGATION_REPORT,
    TransferMaterial.SEIZED_ITEMS_LIST,
)


@dataclass(frozen=True)
class BenchPacket:
    """A built packet as the bench sends it."""

    packet_id: Any
    data: bytes


def _records(pki: PlatformPki, case_id: str, number: str) -> list[Event]:
    world = pki.world
    operator = holder_of(world.enforcement_operator.certificate).operator_id
    clock = dt.datetime(2026, 11, 2, 9, 0, tzinfo=CST)
    records: list[Event] = []

    def make(cls: type[Event], **payload: Any) -> None:
        when = clock + dt.timedelta(hours=len(records))
        records.append(
            cls(
                event_id=f"{case_id}-e{len(records) + 1}", case_id=case_id, occurred_at=when, entered_at=when,
                operator_id=operator, agency_code=world.enforcement_code, agency_kind=AgencyKind.ENFORCEMENT,
                **payload,
            )  # type: ignore[call-arg]
        )  # fmt: skip

    make(CaseOpened, case_number=number, title="某商贸公司涉嫌销售伪劣产品案", offence_code="criminal-law-140",
         party_name="某商贸有限公司", party_id="91640100MA70000013")  # fmt: skip
    make(TransferReported, officers=("张三", "李四"), summary=SUMMARY)
    make(HeadDecision, approved=True)
    make(Transferred, police_code=world.police_code, document_number=f"银兴市监移〔2026〕{number}",
         materials=MATERIALS, testing_applies=False, procuratorate_code=world.procuratorate_code)  # fmt: skip
    return records


def _build_chunk(pki: PlatformPki, indexes: range, tag: str) -> list[BenchPacket]:
    world, packets = pki.world, []
    for i in indexes:
        case_id = f"bench-{tag}-{i}"
        *earlier, transfer = _records(pki, case_id, f"{tag}-{i}号")
        packet = build_packet(
            world.enforcement_operator, kind=str(transfer.kind), case_id=case_id,
            recipients=sorted({world.police_code, world.procuratorate_code}),
            payload=case_payload(transfer, earlier), packet_id=packet_id_for(transfer.event_id),
            attachments=[Attachment("移送书.pdf", "application/pdf", os.urandom(100 * 1024))],
        )  # fmt: skip
        packets.append(BenchPacket(packet.packet_id, packet.data))
    return packets


def build_packets(pki: PlatformPki, count: int, tag: str) -> list[BenchPacket]:
    """``count`` signed transfer packets, built on every core (not timed)."""
    context = multiprocessing.get_context("fork")
    workers = max(1, min(os.cpu_count() or 1, count))
    jobs = []
    for worker in range(workers):
        receiving, sending = context.Pipe(duplex=False)
        indexes = range(worker, count, workers)
        process = context.Process(target=lambda s=sending, i=indexes: s.send(_build_chunk(pki, i, tag)))
        process.start()
        jobs.append((process, receiving))
    chunks = []
    for process, receiving in jobs:
        chunks.append(receiving.recv())
        process.join()
    return [packet for chunk in chunks for packet in chunk]

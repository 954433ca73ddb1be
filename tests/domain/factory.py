"""Builders for test histories: real agencies with valid 统一社会信用代码, events in time order."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from app.domain.agencies import Agency, AgencyKind
from app.domain.events import (
    CaseOpened,
    Event,
    FilingDecision,
    HeadDecision,
    PenaltyDecided,
    PenaltyProcedure,
    TransferMaterial,
    TransferReceipted,
    Transferred,
    TransferReported,
)
from app.domain.identifiers import id_number_check_character, uscc_check_character
from app.domain.timezone import CST


def uscc(body: str) -> str:
    """A valid 统一社会信用代码 from its first 17 characters."""
    return body + uscc_check_character(body)


def id_number(body: str) -> str:
    """A valid 公民身份号码 from its first 17 digits."""
    return body + id_number_check_character(body)


ENFORCEMENT = Agency(uscc("11640104MB0000001"), AgencyKind.ENFORCEMENT, "兴庆区市场监督管理局")
ENFORCEMENT_2 = Agency(uscc("11640104MB0000002"), AgencyKind.ENFORCEMENT, "兴庆区生态环境分局")
POLICE = Agency(uscc("11640104MB0000003"), AgencyKind.POLICE, "银川市公安局兴庆区分局")
POLICE_2 = Agency(uscc("11640104MB0000004"), AgencyKind.POLICE, "银川市公安局金凤区分局")
PROCURATORATE = Agency(uscc("11640104MB0000005"), AgencyKind.PROCURATORATE, "兴庆区人民检察院")
COURT = Agency(uscc("11640104MB0000006"), AgencyKind.COURT, "兴庆区人民法院")
SUPERVISION = Agency(uscc("11640104MB0000007"), AgencyKind.SUPERVISION, "兴庆区监察委员会")
LEGAL_AFFAIRS = Agency(uscc("11640104MB0000008"), AgencyKind.LEGAL_AFFAIRS, "兴庆区司法局")
OFFICE = Agency(uscc("11640104MB0000009"), AgencyKind.LINKAGE_OFFICE, "两法衔接工作领导小组办公室")

PARTY_COMPANY = uscc("91640100MA7000001")
PARTY_PERSON = id_number("64010419800101001")

ALL_MATERIALS = (
    TransferMaterial.TRANSFER_LETTER,
    TransferMaterial.INVESTIGATION_REPORT,
    TransferMaterial.SEIZED_ITEMS_LIST,
)


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment in China Standard Time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=CST)


class Script:
    """Writes one case's events: ids and times advance by themselves unless given."""

    def __init__(self, case_id: str = "case-1", start: dt.datetime | None = None) -> None:
        self.case_id = case_id
        self.clock = start or at(2025, 3, 3)
        self.ids = itertools.count(1)

    def make(
        self,
        cls: type[Event],
        agency: Agency,
        *,
        when: dt.datetime | None = None,
        entered: dt.datetime | None = None,
        event_id: str | None = None,
        **payload: Any,
    ) -> Any:
        """An event of ``cls`` recorded by ``agency``."""
        if when is None:
            self.clock += dt.timedelta(hours=1)
            when = self.clock
        else:
            self.clock = max(self.clock, when)
        return cls(
            event_id=event_id or f"{self.case_id}-e{next(self.ids)}",
            case_id=self.case_id,
            occurred_at=when,
            entered_at=entered or when + dt.timedelta(minutes=30),
            operator_id=f"op-{agency.kind}",
            agency_code=agency.code,
            agency_kind=agency.kind,
            **payload,
        )

    def opened(self, party_id: str = PARTY_COMPANY, offence: str = "criminal-law-140", **kw: Any) -> CaseOpened:
        opened: CaseOpened = self.make(
            CaseOpened,
            ENFORCEMENT,
            case_number="银兴市监罚〔2025〕1号",
            title="销售伪劣产品案",
            offence_code=offence,
            party_name="某商贸有限公司",
            party_id=party_id,
            **kw,
        )
        return opened

    def penalty(self, amount: str = "10000", **kw: Any) -> PenaltyDecided:
        decided: PenaltyDecided = self.make(
            PenaltyDecided,
            ENFORCEMENT,
            decision_number="银兴市监罚决〔2025〕1号",
            procedure=PenaltyProcedure.GENERAL,
            fine=Decimal("5000"),
            measures=(("sales_amount", Decimal(amount)),),
            **kw,
        )
        return decided

    def to_acceptance(self) -> list[Event]:
        """Open → report → approval → transfer (all materials, copied) → receipt."""
        return [
            self.opened(),
            self.make(TransferReported, ENFORCEMENT, officers=("张三", "李四"), summary="涉嫌销售伪劣产品"),
            self.make(HeadDecision, ENFORCEMENT, approved=True),
            self.make(
                Transferred,
                ENFORCEMENT,
                police_code=POLICE.code,
                document_number="银兴市监移〔2025〕1号",
                materials=ALL_MATERIALS,
                testing_applies=False,
                procuratorate_code=PROCURATORATE.code,
            ),
            self.make(TransferReceipted, POLICE),
        ]

    def to_filed(self) -> list[Event]:
        return [*self.to_acceptance(), self.make(FilingDecision, POLICE, filed=True, document_number="立字1号")]

    def to_not_filed(self) -> list[Event]:
        return [
            *self.to_acceptance(),
            self.make(FilingDecision, POLICE, filed=False, document_number="不立字1号", reasons="情节显著轻微"),
        ]

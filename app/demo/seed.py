"""Seed the interactive demo world through the services: penalty cases and transferred cases at every stage of
the transfer, filing, reconsideration, supervision, arrest, prosecution and judgment; consultations (one answered,
one pending), a joint meeting (notice and minutes, when the office's terminal is in the world), 备案 with the
procuratorate and a 检察建议书 with the agency's written reply. Each record is entered by the right operator of the
right terminal, signed, and synced through the embedded platform, so every terminal sees what it should. The
operators stay logged in for the whole seed (``DemoWorld.kept_sessions``)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from app.demo.agencies import DEMO_AGENCIES, ENFORCEMENT, OFFICE_DESK, POLICE, PROCURATORATE
from app.demo.terminals import Acting
from app.demo.world import DemoWorld
from app.domain.agencies import AgencyKind
from app.domain.events import (
    DocumentType,
    LinkageType,
    MeetingType,
    PenaltyProcedure,
    SupervisionTarget,
    TransferMaterial,
    Verdict,
)
from app.domain.identifiers import uscc_check_character
from app.services import affairs as af
from app.services import case_actions_criminal as cr
from app.services import case_actions_transfer as tr
from app.services.cases import open_penalty_case

FIRMS = ("宏达商贸", "兴庆建材", "塞上食品", "贺兰山化工", "凤城物流", "金凤药房", "丽景超市", "鼓楼电器", "新华百货")
OFFENCES = (
    ("销售伪劣产品", "criminal-law-140"),
    ("假冒注册商标", "criminal-law-213"),
    ("非法经营", "criminal-law-225"),
    ("污染环境", "criminal-law-338"),
)
MATERIALS = (
    TransferMaterial.TRANSFER_LETTER,
    TransferMaterial.INVESTIGATION_REPORT,
    TransferMaterial.SEIZED_ITEMS_LIST,
)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass
class Seeded:
    """Which case is at which stage (case ids), for the tests and the screenshots."""

    penalty: list[str] = field(default_factory=list)
    transfers: list[str] = field(default_factory=list)
    consultations: list[str] = field(default_factory=list)  # affair ids: answered, pending
    meetings: list[str] = field(default_factory=list)
    linkage_filings: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # 检察建议书 (event ids)


class Seeder:
    """Phases of the seeding, one logged-in operator each."""

    def __init__(self, world: DemoWorld, *, penalty_cases: int, transfers: int, seed: int) -> None:
        self.world = world
        self.rng = random.Random(seed)
        self.penalty_cases = penalty_cases
        self.transfer_count = max(transfers, 10)
        self.seeded = Seeded()
        self.serial = 100
        self.now = dt.datetime.now(dt.UTC)

    def run(self) -> Seeded:
        s, t, year = self.seeded, self.seeded.transfers, 2026
        if OFFICE_DESK.code in self.world.terminals:  # first, before the office's terminal has much to pull
            self._meeting(year)
        with self.world.terminal(ENFORCEMENT).acting("办案人员") as a:
            for index in range(self.penalty_cases):
                self._penalty_case(a, decided=index % 3 != 0)
            for sales in (Decimal(86500), Decimal(43000)):  # 以罚代刑: over the threshold, and near it (80%)
                self._penalty_case(a, decided=True, offence=OFFENCES[0], measures=(("sales_amount", sales),))
            for index in range(self.transfer_count):  # opened weeks ago, so some deadlines have passed
                t.append(self._open(a, serious=True, occurred_at=self.now - dt.timedelta(days=30 - index)))
            for case_id in t[:-1]:
                late = {t[-3]: 12, t[-2]: 8}.get(case_id)  # t[-3], t[-2]: reported long ago, now overdue
                tr.report_transfer(
                    a.desk, case_id, officers=("王丽", "张伟"), summary="涉案金额已达追诉标准",
                    occurred_at=self.now - dt.timedelta(days=late) if late else None,
                )  # fmt: skip
            for question in (
                "销售伪劣产品案件中货值金额如何认定？",
                "假冒注册商标案件的非法经营数额是否包括已销售部分？",
            ):
                s.consultations += af.ask_consultation(
                    a.desk, consulted_code=POLICE.code, consulted_kind=AgencyKind.POLICE, written=True,
                    question=question,
                ).affairs  # fmt: skip
            s.linkage_filings += af.file_linkage(
                a.desk, linkage=LinkageType.ADMIN_CRIMINAL, recipient_code=PROCURATORATE.code,
                recipient_kind=AgencyKind.PROCURATORATE, related_case_id=t[0],
                summary="涉嫌销售伪劣产品案已移送公安机关，报请备案",
            ).affairs  # fmt: skip
        with self.world.terminal(ENFORCEMENT).acting("负责人") as a:
            for case_id in t[:-2]:  # t[-2]: 待负责人审批
                late = 10 if case_id == t[-3] else None
                tr.approve_transfer(a.desk, case_id, occurred_at=self.now - dt.timedelta(days=late) if late else None)
        with self.world.terminal(ENFORCEMENT).acting("办案人员") as a:
            for number, case_id in enumerate(t[:-3], start=1):  # t[-3]: 已批准，待移送
                tr.transfer_case(
                    a.desk, case_id, police_code=POLICE.code, document_number=f"银兴市监移〔{year}〕{number}号",
                    materials=MATERIALS, testing_applies=False, procuratorate_code=PROCURATORATE.code,
                )  # fmt: skip
        with self.world.terminal(POLICE).acting("受案民警") as a:
            for case_id in t[:-4]:  # t[-4]: 已移送，待签收
                tr.record_receipt(a.desk, case_id)
        with self.world.terminal(POLICE).acting("负责人") as a:
            # the first consultation is answered; the second stays within its 3 working days
            af.answer_consultation(
                a.desk, s.consultations[0], written=True, answer="按违法产品的标价计算；无标价的，按市场中间价格计算。"
            )
            for number, case_id in enumerate(t[:3], start=1):  # filed
                tr.record_filing_decision(a.desk, case_id, filed=True, document_number=f"兴公立字〔{year}〕{number}号")
            for number, case_id in enumerate(t[3:6], start=1):  # not filed
                tr.record_filing_decision(
                    a.desk, case_id, filed=False, document_number=f"兴公不立字〔{year}〕{number}号",
                    reasons="现有证据不足以证明达到追诉标准",
                )  # fmt: skip
            cr.request_arrest(a.desk, t[0], procuratorate_code=PROCURATORATE.code, suspects=("张某",))
            cr.request_arrest(a.desk, t[1], procuratorate_code=PROCURATORATE.code, suspects=("李某",))
        with self.world.terminal(ENFORCEMENT).acting("办案人员") as a:
            tr.request_reconsideration(a.desk, t[3], reasons="涉案金额经审计已达追诉标准")
            tr.request_reconsideration(a.desk, t[4], reasons="已补充检验报告")
            tr.suggest_supervision(
                a.desk, t[5], target=SupervisionTarget.NON_FILING, procuratorate_code=PROCURATORATE.code,
                reasons="认为公安机关应当立案而不立案",
            )  # fmt: skip
        with self.world.terminal(POLICE).acting("负责人") as a:
            tr.decide_reconsideration(
                a.desk, t[4], reversed=False, document_number=f"兴公复字〔{year}〕1号", reasons="维持原决定"
            )
        with self.world.terminal(PROCURATORATE).acting("检察官") as a:
            cr.decide_arrest(a.desk, t[0], approved=True, document_number=f"兴检批捕〔{year}〕1号")
            cr.require_explanation(a.desk, t[5], document_number=f"兴检要说〔{year}〕2号", reasons="可能应当立案")
        with self.world.terminal(POLICE).acting("负责人") as a:  # after the arrest decision: 移送审查起诉
            cr.request_prosecution(
                a.desk, t[0], procuratorate_code=PROCURATORATE.code, document_number=f"兴公诉字〔{year}〕1号"
            )
        self._judgment_and_suggestion(year)
        return self.seeded

    def _judgment_and_suggestion(self, year: int) -> None:
        t, s = self.seeded.transfers, self.seeded
        with self.world.terminal(PROCURATORATE).acting("检察官") as a:
            cr.decide_prosecution(a.desk, t[0], indicted=True, document_number=f"兴检刑诉〔{year}〕1号")
            judged_on = dt.date.today() - dt.timedelta(days=1)
            cr.enter_judgment(
                a.desk, t[0], judgment_number=f"（{year}）宁0104刑初{self.serial}号", verdict=Verdict.CONVICTED,
                judged_on=judged_on, summary="被告人犯销售伪劣产品罪，判处有期徒刑一年，并处罚金五万元",
            )  # fmt: skip
            s.documents += cr.issue_supervisory_document(
                a.desk, t[3], document_type=DocumentType.PROCURATORIAL_SUGGESTION,
                document_number=f"兴检建〔{year}〕1号", recipient_code=ENFORCEMENT.code,
                recipient_kind=AgencyKind.ENFORCEMENT, summary="建议加强涉案物品检验鉴定，规范移送材料",
            ).events  # fmt: skip
        with self.world.terminal(ENFORCEMENT).acting("办案人员") as a:
            cr.reply_to_document(
                a.desk, t[3], document_id=s.documents[0], written=True,
                summary="已建立涉案物品先行检验制度，移送前由法制机构审核材料",
            )  # fmt: skip

    def _meeting(self, year: int) -> None:
        members = (ENFORCEMENT.code, POLICE.code, PROCURATORATE.code)
        with self.world.terminal(OFFICE_DESK).acting() as a:
            (affair_id,) = af.convene_meeting(
                a.desk, meeting_type=MeetingType.ANNUAL, scheduled_for=dt.date.today() - dt.timedelta(days=2),
                participants=members, agenda=f"通报{year}年度行政执法与刑事司法衔接工作情况，研究疑难案件移送标准",
            ).affairs  # fmt: skip
            af.record_meeting_minutes(
                a.desk, affair_id, attendees=members,
                minutes="会议通报了全年移送、立案情况；明确货值金额认定以检验报告和价格认定为准；各成员单位按季度报送备案情况。",
            )  # fmt: skip
            self.seeded.meetings.append(affair_id)

    def _party(self) -> tuple[str, str]:
        body = "91640104MA" + "".join(self.rng.choice(_USCC_ALPHABET) for _ in range(7))
        return f"宁夏{self.rng.choice(FIRMS)}有限公司", body + uscc_check_character(body)

    def _open(
        self, acting: Acting, *, serious: bool = False, offence: tuple[str, str] | None = None,
        occurred_at: dt.datetime | None = None,
    ) -> str:  # fmt: skip
        party, party_id = self._party()
        name, code = offence or self.rng.choice(OFFENCES)
        self.serial += 1
        (case_id,) = open_penalty_case(
            acting.desk, case_number=f"银兴市监立〔2026〕{self.serial}号", title=f"{party}涉嫌{name}案",
            offence_code=code, party_name=party, party_id=party_id, serious=serious, occurred_at=occurred_at,
        ).cases  # fmt: skip
        return case_id

    def _penalty_case(
        self, acting: Acting, *, decided: bool, offence: tuple[str, str] | None = None,
        measures: tuple[tuple[str, Decimal], ...] = (),
    ) -> None:  # fmt: skip
        case_id = self._open(acting, offence=offence)
        self.seeded.penalty.append(case_id)
        if decided:
            tr.record_penalty_decision(
                acting.desk, case_id, decision_number=f"银兴市监罚〔2026〕{self.serial}号",
                procedure=PenaltyProcedure.GENERAL, fine=Decimal(self.rng.randint(5, 200) * 100),
                measures=measures, summary="责令改正，并处罚款",
            )  # fmt: skip


def seed_world(world: DemoWorld, *, penalty_cases: int = 12, transfers: int = 10, seed: int = 2026) -> Seeded:
    """Seed ``world`` through the services (see the module docstring); the last passes sync every terminal."""
    with world.kept_sessions(settle=DEMO_AGENCIES):  # the office's terminal pulls when its window logs in
        return Seeder(world, penalty_cases=penalty_cases, transfers=transfers, seed=seed).run()

"""The headless demo scenario: one transferred case through non-filing, reconsideration, filing supervision and
filing, each step by the right operator of the right terminal, synced through the embedded platform between steps.

``run_scenario(out)`` builds the world under ``out`` and leaves there what the README of app/demo describes:
``pki/``, ``terminals/<agency-code>/``, ``packets/*.ljp``, ``documents/*.pdf`` and ``scenario.json``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from app.demo.agencies import ENFORCEMENT, POLICE, PROCURATORATE, DemoAgency
from app.demo.record import ScenarioRecorder, export_packets, outbox_ids
from app.demo.terminals import Acting
from app.demo.world import DemoWorld
from app.documents.render import DocumentRenderer
from app.domain.events import PenaltyProcedure, SupervisionTarget, TransferMaterial
from app.domain.identifiers import id_number_check_character, uscc_check_character
from app.domain.lifecycle import CaseStage
from app.models.attachments import add_attachment
from app.models.snapshots import load_case_state
from app.services import case_actions_criminal as cr
from app.services import case_actions_transfer as tr
from app.services.cases import open_penalty_case
from app.services.documents import default_rules

log = logging.getLogger(__name__)

PARTY = "宁夏宏达商贸有限公司"
PARTY_ID = "91640104MA76H1234" + uscc_check_character("91640104MA76H1234")
PERSON_ID = "64010419780512002" + id_number_check_character("64010419780512002")
MATERIALS = (
    TransferMaterial.TRANSFER_LETTER,
    TransferMaterial.INVESTIGATION_REPORT,
    TransferMaterial.SEIZED_ITEMS_LIST,
)
ROUTINE = (
    ("兴庆区凤城物流有限公司", "91640104MA76K2345", "未按规定公示年度报告案", "criminal-law-225", Decimal("5000")),
    ("马秀英", "", "销售过期食品案", "criminal-law-140", Decimal("2000")),
)
Action = Callable[[Acting], object]


@dataclass
class ScenarioResult:
    ok: bool
    out: Path
    steps: int
    packets: int
    documents: int
    error: str = ""


class Scenario:
    """The steps of the scenario over a built world, logged by a ``ScenarioRecorder``."""

    def __init__(self, world: DemoWorld, recorder: ScenarioRecorder) -> None:
        self.world = world
        self.rec = recorder
        self.case_id = ""
        self.year = recorder.started_at.year

    def act(self, agency: DemoAgency, role: str, title: str, kind: str, action: Action, *docs: str) -> None:
        with self.world.terminal(agency).acting(role) as acting:
            before = outbox_ids(acting)
            action(acting)
            self.rec.step(title, acting, self.case_id, kind=kind, before=before)
            for key in docs:
                self.rec.print_document(acting, self.case_id, key)
        log.info("演示场景：%s", title)

    def run(self) -> None:
        year, police, procuratorate = self.year, POLICE.code, PROCURATORATE.code
        self.act(ENFORCEMENT, "办案人员", "市场监管局录入行政处罚案件", "case_opened", self._enter_cases)
        self.act(
            ENFORCEMENT, "办案人员", "办案人员提出涉嫌犯罪案件移送报告并上传移送材料", "transfer_reported",
            self._report, "investigation_report",
        )  # fmt: skip
        self.act(
            ENFORCEMENT, "负责人", "负责人批准移送", "transfer_approved",
            lambda a: tr.approve_transfer(a.desk, self.case_id),
        )  # fmt: skip
        self.act(
            ENFORCEMENT, "办案人员", "移送公安机关并抄送人民检察院", "transferred",
            lambda a: tr.transfer_case(
                a.desk, self.case_id, police_code=police, document_number=f"银兴市监移〔{year}〕1号",
                materials=MATERIALS, testing_applies=False, procuratorate_code=procuratorate,
            ),
            "transfer_notice", "materials_catalogue",
        )  # fmt: skip
        self.act(
            POLICE, "受案民警", "公安机关接受移送并签收回执", "receipt_signed",
            lambda a: tr.record_receipt(a.desk, self.case_id),
        )  # fmt: skip
        self.act(
            POLICE, "负责人", "公安机关决定不予立案", "filing_decision",
            lambda a: tr.record_filing_decision(
                a.desk, self.case_id, filed=False, document_number=f"兴公不立字〔{year}〕3号",
                reasons="现有证据不足以证明销售金额达到追诉标准",
            ),
            "non_filing_notice",
        )  # fmt: skip
        self.act(
            ENFORCEMENT, "办案人员", "市场监管局提请复议", "reconsideration_requested",
            lambda a: tr.request_reconsideration(
                a.desk, self.case_id, reasons="销售伪劣产品金额经审计为8.65万元，已达立案追诉标准"
            ),
            "reconsideration_request",
        )  # fmt: skip
        self.act(
            POLICE, "负责人", "公安机关复议决定维持不予立案", "reconsideration_decided",
            lambda a: tr.decide_reconsideration(
                a.desk, self.case_id, reversed=False, document_number=f"兴公复字〔{year}〕1号",
                reasons="审计报告未随案移送，维持原决定",
            ),
            "reconsideration_decision",
        )  # fmt: skip
        self.act(
            ENFORCEMENT, "办案人员", "市场监管局建议人民检察院立案监督", "supervision_suggested",
            lambda a: tr.suggest_supervision(
                a.desk, self.case_id, target=SupervisionTarget.NON_FILING, procuratorate_code=procuratorate,
                reasons="复议维持不予立案，认为公安机关应当立案而不立案",
            ),
        )  # fmt: skip
        self.act(
            PROCURATORATE, "检察官", "人民检察院要求公安机关说明不立案理由", "explanation_required",
            lambda a: cr.require_explanation(
                a.desk, self.case_id, document_number=f"兴检要说〔{year}〕1号", reasons="经审查，可能应当立案"
            ),
            "explain_non_filing",
        )  # fmt: skip
        self.act(
            POLICE, "负责人", "公安机关书面说明不立案理由", "explanation_given",
            lambda a: cr.give_explanation(a.desk, self.case_id, reasons="认为销售金额认定依据不足"),
        )  # fmt: skip
        self.act(
            PROCURATORATE, "检察官", "人民检察院认为理由不能成立，通知立案", "filing_noticed",
            lambda a: cr.notice_filing(a.desk, self.case_id, document_number=f"兴检通立〔{year}〕1号"),
            "notice_to_file",
        )  # fmt: skip
        self.act(
            POLICE, "负责人", "公安机关立案", "filing_decision",
            lambda a: tr.record_filing_decision(
                a.desk, self.case_id, filed=True, document_number=f"兴公立字〔{year}〕27号"
            ),
            "filing_notice",
        )  # fmt: skip

    def _enter_cases(self, acting: Acting) -> None:
        desk, year = acting.desk, self.year
        for index, (party, body, title, offence, fine) in enumerate(ROUTINE, start=1):
            party_id = body + uscc_check_character(body) if body else PERSON_ID
            (case_id,) = open_penalty_case(
                desk, case_number=f"银兴市监立〔{year}〕{100 + index}号", title=f"{party}{title}",
                offence_code=offence, party_name=party, party_id=party_id,
            ).cases  # fmt: skip
            tr.record_penalty_decision(
                desk, case_id, decision_number=f"银兴市监罚〔{year}〕{100 + index}号",
                procedure=PenaltyProcedure.GENERAL, fine=fine, summary="责令改正并处罚款",
            )  # fmt: skip
        (self.case_id,) = open_penalty_case(
            desk, case_number=f"银兴市监立〔{year}〕118号", title=f"{PARTY}涉嫌销售伪劣产品案",
            offence_code="criminal-law-140", party_name=PARTY, party_id=PARTY_ID, serious=True,
        ).cases  # fmt: skip

    def _report(self, acting: Acting) -> None:
        tr.report_transfer(
            acting.desk, self.case_id, officers=("王丽", "张伟"),
            summary=f"{PARTY}销售不合格电线电缆，销售金额8.65万元，涉嫌销售伪劣产品罪",
        )  # fmt: skip
        store = acting.session.store
        files = (
            ("现场检查笔录.txt", "text/plain", "2024年3月5日，执法人员在该公司仓库检查，查见不合格电线电缆120卷。"),
            ("涉案物品清单.txt", "text/plain", "1. BV2.5平方电线 80卷；2. BV4平方电线 40卷。"),
            ("检验报告.txt", "text/plain", "经宁夏产品质量检验院检验，导体电阻不合格。"),
        )
        for name, media_type, text in files:
            add_attachment(store, self.case_id, io.BytesIO(text.encode("utf-8")), name=name, media_type=media_type)


def run_scenario(out: Path) -> ScenarioResult:
    """Build the world under ``out``, run the scenario, export packets and documents; never raises for a step."""
    out.mkdir(parents=True, exist_ok=True)
    world = DemoWorld.build(out)
    recorder = ScenarioRecorder(out, DocumentRenderer(), default_rules())
    scenario = Scenario(world, recorder)
    error, packets = "", list[str]()
    try:
        scenario.run()
        error, packets = _finish(world, scenario.case_id, out / "packets")
    except Exception as exc:  # every failure ends the run with a sentence in scenario.json and exit 1
        log.exception("演示场景失败")
        error = f"{type(exc).__name__}: {getattr(exc, 'user_message', '') or exc}"
    finally:
        world.close()
    extra = {"agencies": _agencies(world), "case_id": scenario.case_id, "build_seconds": world.timings["build"]}
    recorder.write(ok=not error, error=error, extra={**extra, "packets": packets})
    return ScenarioResult(not error, out, len(recorder.steps), len(packets), len(recorder.documents), error)


def _agencies(world: DemoWorld) -> list[dict[str, str]]:
    return [{"code": t.agency.code, "name": t.agency.name, "kind": str(t.agency.agency.kind)} for t in
            world.terminals.values()]  # fmt: skip


def _finish(world: DemoWorld, case_id: str, folder: Path) -> tuple[str, list[str]]:
    """One last pass over the terminals: pull what is still addressed to each, check that every one sees the case
    filed, and copy the packets each sent (all receipted by the platform) into ``folder``."""
    errors, packets = [], []
    for terminal in world.terminals.values():
        with terminal.acting() as acting:
            state = acting.session.store.read(lambda s: load_case_state(s, case_id))
            packets += export_packets(acting, folder)
        if state is None or state.stage is not CaseStage.FILED:
            seen = state.stage.label if state else "无此案件"
            errors.append(f"{terminal.agency.name}终端上案件状态为“{seen}”，应为“已立案”")
    return "；".join(errors), packets

"""The transfer package and the police's documents printed from legal case histories (310号令 Art.5–9, 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.documents.from_case import NoEventSource, NotInHistory, fields_for, templates_available
from app.documents.render import DocumentRenderer
from app.domain.events import (
    Event,
    FilingDecision,
    HeadDecision,
    ReconsiderationDecided,
    ReconsiderationRequested,
    SeizedItemsHandedOver,
    TransferReceipted,
    Transferred,
    TransferReported,
)
from app.domain.lifecycle import CaseHistory, CaseStage, IllegalMove
from tests.documents.test_from_case_support import (
    CASE_NUMBER,
    PARTY,
    TITLE,
    case_script,
    context,
    opened,
    penalty,
    printed,
)
from tests.domain.factory import ALL_MATERIALS, ENFORCEMENT, PARTY_COMPANY, POLICE, PROCURATORATE, Script, at

TRANSFER_NUMBER = "银兴市监移〔2026〕18号"


def to_acceptance(s: Script) -> list[Event]:
    """Entry, penalty, report by two officers, approval, transfer on 3月9日, receipt on 3月10日."""
    return [
        opened(s),
        penalty(s),
        s.make(
            TransferReported,
            ENFORCEMENT,
            when=at(2026, 3, 5),
            officers=("王明", "李娜"),
            summary="当事人自2025年6月起购进并销售不合格电线，导体电阻、绝缘厚度经检验不合格",
        ),
        s.make(HeadDecision, ENFORCEMENT, when=at(2026, 3, 6), approved=True),
        s.make(
            Transferred,
            ENFORCEMENT,
            when=at(2026, 3, 9),
            police_code=POLICE.code,
            document_number=TRANSFER_NUMBER,
            materials=ALL_MATERIALS,
            testing_applies=False,
            procuratorate_code=PROCURATORATE.code,
        ),
        s.make(TransferReceipted, POLICE, when=at(2026, 3, 10)),
    ]


def legal(events: list[Event]) -> list[Event]:
    """The events, accepted one by one through the domain's state machine."""
    history = CaseHistory.start(events[0])  # type: ignore[arg-type]
    for event in events[1:]:
        history = history.append(event)
    return list(history.events)


def filed_history(s: Script | None = None) -> list[Event]:
    """Accepted, filed on 3月12日, items handed over on 3月13日; pass ``s`` to go on writing the case."""
    s = s or case_script()
    events = to_acceptance(s)
    events.append(
        s.make(FilingDecision, POLICE, when=at(2026, 3, 12), filed=True, document_number="兴公立字〔2026〕35号")
    )
    events.append(
        s.make(SeizedItemsHandedOver, ENFORCEMENT, when=at(2026, 3, 13), items=("“鑫达”牌BV-2.5电线（120卷）",))
    )
    return legal(events)


def not_filed_history(s: Script | None = None) -> list[Event]:
    """Accepted, not filed on 3月12日, reconsideration asked and upheld; pass ``s`` to go on writing the case."""
    s = s or case_script()
    events = to_acceptance(s)
    events += [
        s.make(
            FilingDecision,
            POLICE,
            when=at(2026, 3, 12),
            filed=False,
            document_number="兴公不立字〔2026〕4号",
            reasons="现有证据不能证明销售金额达到追诉标准",
        ),
        s.make(ReconsiderationRequested, ENFORCEMENT, when=at(2026, 3, 13), reasons="销售台账证明销售金额为86500元"),
        s.make(
            ReconsiderationDecided,
            POLICE,
            when=at(2026, 3, 16),
            reversed=False,
            document_number="兴公复决字〔2026〕2号",
            reasons="销售台账系复印件，无法核实",
        ),
    ]
    return legal(events)


@pytest.fixture(scope="module")
def filed() -> list[Event]:
    return filed_history()


def test_transfer_notice_carries_the_case_the_transfer_and_the_offence(
    renderer: DocumentRenderer, filed: list[Event], tmp_path: Path
) -> None:
    text = printed(renderer, "transfer_notice", fields_for("transfer_notice", filed, context()), tmp_path)
    for expected in (
        TITLE, PARTY, PARTY_COMPANY, TRANSFER_NUMBER, "2026年3月9日", "兴庆区市场监督管理局", "银川市公安局兴庆区分局",
        "抄送：兴庆区人民检察院", "生产、销售伪劣产品罪（刑法第140条）", "销售金额86500元", "王明、李娜", "赵建国",
        "涉嫌犯罪案件情况的调查报告", "涉案物品清单",
    ):  # fmt: skip
        assert expected in text, expected


def test_investigation_report_comes_from_the_transfer_report(
    renderer: DocumentRenderer, filed: list[Event], tmp_path: Path
) -> None:
    fields = fields_for("investigation_report", filed, context())
    text = printed(renderer, "investigation_report", fields, tmp_path)
    for expected in (
        "导体电阻、绝缘厚度经检验不合格", CASE_NUMBER, "2026年3月5日", "2026年3月4日", "银兴市监罚决〔2026〕12号",
        "罚款5000元", "销售金额86500元", "刑法第140条", "立案追诉标准（一）第16条", "王明、李娜",
    ):  # fmt: skip
        assert expected in text, expected


def test_evidence_list_lists_the_items_handed_over_under_the_transfer_number(
    renderer: DocumentRenderer, filed: list[Event], tmp_path: Path
) -> None:
    text = printed(renderer, "evidence_list", fields_for("evidence_list", filed, context()), tmp_path)
    assert "“鑫达”牌BV-2.5电线（120卷）" in text
    assert TRANSFER_NUMBER in text and TITLE in text


def test_filing_notice_answers_the_transfer_with_the_decision_number(
    renderer: DocumentRenderer, filed: list[Event], tmp_path: Path
) -> None:
    text = printed(renderer, "filing_notice", fields_for("filing_notice", filed, context()), tmp_path)
    for expected in (
        "兴公立字〔2026〕35号", "2026年3月12日", "2026年3月10日", TRANSFER_NUMBER, "兴庆区市场监督管理局",
        "生产、销售伪劣产品罪", "马志强", "第一百一十二条", "第十二条", "抄送：兴庆区人民检察院",
    ):  # fmt: skip
        assert expected in text, expected


def test_non_filing_and_reconsideration_documents_quote_each_other(renderer: DocumentRenderer, tmp_path: Path) -> None:
    history = not_filed_history()
    refusal = printed(renderer, "non_filing_notice", fields_for("non_filing_notice", history, context()), tmp_path)
    assert "现有证据不能证明销售金额达到追诉标准" in refusal and "兴公不立字〔2026〕4号" in refusal
    request_fields = fields_for("reconsideration_request", history, context(number="银兴市监复〔2026〕3号"))
    request = printed(renderer, "reconsideration_request", request_fields, tmp_path)
    for expected in (
        "银兴市监复〔2026〕3号",
        "兴公不立字〔2026〕4号",
        "销售台账证明销售金额为86500元",
        "2026年3月13日",
    ):
        assert expected in request, expected
    decision = printed(
        renderer, "reconsideration_decision", fields_for("reconsideration_decision", history, context()), tmp_path
    )
    for expected in ("兴公复决字〔2026〕2号", "维持原不予立案决定", "销售台账系复印件，无法核实", "2026年3月16日"):
        assert expected in decision, expected


def test_a_draft_without_an_allocated_number_prints_a_blank_serial() -> None:
    fields = fields_for("reconsideration_request", not_filed_history(), context())
    assert fields.issue.number == "银兴市监复〔2026〕　　号"


def test_the_number_a_record_carries_wins_over_the_callers() -> None:
    fields = fields_for("filing_notice", filed_history(), context(number="兴公立字〔2026〕99号"))
    assert fields.issue.number == "兴公立字〔2026〕35号"


def test_filing_notice_is_offered_only_after_a_decision_to_file() -> None:
    s = case_script()
    events = to_acceptance(s)
    assert CaseHistory.of(events).state.stage is CaseStage.ACCEPTED
    before = templates_available(events)
    assert "transfer_notice" in before and "investigation_report" in before
    assert "filing_notice" not in before and "non_filing_notice" not in before
    with pytest.raises(NotInHistory) as refused:
        fields_for("filing_notice", events, context())
    assert "立案决定（立案）" in refused.value.user_message
    assert "filing_notice" in templates_available(filed_history())
    declined = templates_available(not_filed_history())
    assert "non_filing_notice" in declined and "reconsideration_decision" in declined
    assert "filing_notice" not in declined


def test_nothing_of_the_transfer_is_offered_before_the_report() -> None:
    s = case_script()
    assert templates_available([opened(s), penalty(s)]) == []


def test_materials_catalogue_lists_the_transferred_materials_and_leaves_paper_counts_blank(
    filed: list[Event], renderer: DocumentRenderer, tmp_path: Path
) -> None:
    assert "materials_catalogue" in templates_available(filed)
    fields = fields_for("materials_catalogue", filed, context())
    sent = next(e for e in filed if isinstance(e, Transferred))
    assert [m.title for m in fields.materials] == [m.label for m in sent.materials]
    assert all(m.pages is None and m.copies is None for m in fields.materials)
    text = printed(renderer, "materials_catalogue", fields, tmp_path)
    assert "涉案物品清单" in text and sent.document_number in text
    assert "合计" in text and "合计0页" not in text


def test_the_assessment_bulletin_is_not_printed_from_a_case(filed: list[Event]) -> None:
    with pytest.raises(NoEventSource):
        fields_for("assessment_bulletin", filed, context())


def test_an_illegal_history_is_refused_before_anything_is_printed() -> None:
    s = case_script()
    events: list[Event] = [opened(s), s.make(FilingDecision, POLICE, filed=True, document_number="兴公立字〔2026〕1号")]
    with pytest.raises(IllegalMove):
        templates_available(events)
    with pytest.raises(IllegalMove):
        fields_for("filing_notice", events, context())

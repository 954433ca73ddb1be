"""Receiving and deciding on the police terminal: an enforcement agency's 移送 (entered through the services,
signed, pushed to the platform on loopback TLS) is pulled by the police terminal's sync engine; in the real window
the police operator sees it in the 收件箱, opens the case, records 签收回执 and then 立案决定 (不予立案) through the
forms — the store holds both events, and the UI thread never stalls longer than 200 ms (PKCS#12 opens set apart)."""

from __future__ import annotations

import dataclasses
import io
import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import cast

import pytest
from PySide6.QtWidgets import QComboBox

from app.config import TerminalConfig
from app.demo.agencies import DEMO_PIN, ENFORCEMENT, POLICE, PROCURATORATE
from app.demo.world import DemoWorld
from app.domain.events import EventKind, FilingDecision, TransferMaterial, Transferred
from app.domain.identifiers import uscc_check_character
from app.domain.lifecycle import CaseStage
from app.models.attachments import add_attachment
from app.models.events import case_events
from app.models.snapshots import load_case_state
from app.services import case_actions_transfer as tr
from app.services.case_view import AGENCY_KIND_SETTING
from app.services.cases import open_penalty_case
from app.services.mailbox_queries import IncomingPacket
from app.ui.features.case_detail import CaseDetailView, open_case_detail
from app.ui.features.mailbox_page import MailboxController
from app.ui.forms.form import RecordForm
from tests.services.conftest import Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, Running, log_in, start_app, stop_app, type_text

CASE_NUMBER = "银兴市监立〔2026〕501号"
MATERIALS = (
    TransferMaterial.TRANSFER_LETTER,
    TransferMaterial.INVESTIGATION_REPORT,
    TransferMaterial.SEIZED_ITEMS_LIST,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWorld]:
    logging.getLogger("app.config").setLevel(logging.ERROR)
    built = DemoWorld.build(tmp_path_factory.mktemp("police-flow") / "demo", (ENFORCEMENT, POLICE))
    yield built
    built.close()


def transferred_to_police(world: DemoWorld, *, sync: bool = True, number: str = CASE_NUMBER) -> str:
    """The enforcement agency enters a penalty case, reports, the head approves, the 移送 is signed (and pushed when
    ``sync``)."""
    agency = world.terminal(ENFORCEMENT)
    with agency.acting("办案人员", sync=sync) as acting:
        body = "91640104MA7PQ1RX0"
        (case_id,) = open_penalty_case(
            acting.desk, case_number=number, title="某电缆公司涉嫌销售伪劣产品案", offence_code="criminal-law-140",
            party_name="宁夏某电缆有限公司", party_id=body + uscc_check_character(body), serious=True,
        ).cases  # fmt: skip
        tr.report_transfer(acting.desk, case_id, officers=("王丽", "张伟"), summary="销售不合格电线电缆，金额8.65万元")
        add_attachment(
            acting.session.store, case_id, io.BytesIO("查见不合格电线电缆120卷。".encode()),
            name="现场检查笔录.txt", media_type="text/plain",
        )  # fmt: skip
    with agency.acting("负责人", sync=sync) as acting:
        tr.approve_transfer(acting.desk, case_id)
    with agency.acting("办案人员", sync=sync) as acting:
        tr.transfer_case(
            acting.desk, case_id, police_code=POLICE.code, document_number="银兴市监移〔2026〕51号",
            materials=MATERIALS, testing_applies=False, procuratorate_code=PROCURATORATE.code,
        )  # fmt: skip
    return case_id


def police_config(world: DemoWorld) -> TerminalConfig:
    """The police terminal's configuration, with its agency kind (the demo's config.toml leaves it unset)."""
    config = world.terminal(POLICE).config
    return dataclasses.replace(config, extra={**config.extra, AGENCY_KIND_SETTING: POLICE.agency.kind.value})


def submit(qtbot, form: RecordForm) -> None:
    qtbot.waitUntil(lambda: form.submit_button.isEnabled(), timeout=5_000)
    with qtbot.waitSignal(form.submitted, timeout=15_000):
        form.submit_button.click()


def test_police_receive_the_transfer_in_the_inbox_sign_the_receipt_and_decide_not_to_file(
    qtbot, world: DemoWorld, kdf: KdfWindows
) -> None:
    case_id = transferred_to_police(world)
    with world.terminal(POLICE).acting() as acting:  # the police terminal's engine pulls from the platform
        state = acting.session.store.read(lambda s: load_case_state(s, case_id))
    assert state is not None and state.stage is CaseStage.TRANSFERRED

    running: Running = start_app(qtbot, cast(Terminal, SimpleNamespace(config=police_config(world))), kdf)
    try:
        main = log_in(qtbot, running, DEMO_PIN)
        session = main.session
        assert session is not None and session.operator.operator_id == POLICE.operators[0].operator_id
        qtbot.wait(300)
        running.watchdog.reset()  # login and first paint are measured by the login tests; from here, ours

        inbox = main.navigate("inbox")
        assert isinstance(inbox, MailboxController) and not inbox.outgoing
        qtbot.waitUntil(lambda: inbox.loads > 0 and inbox.table.rowCount() >= 1, timeout=10_000)
        rows = [r for i in range(inbox.table.rowCount()) if isinstance(r := inbox.table.record(i), IncomingPacket)]
        transfer = next(p for p in rows if p.case_id == case_id and p.kind_label == Transferred.label)
        assert transfer.applied and transfer.sender
        inbox.table.selectRow(rows.index(transfer))
        assert transfer.packet_id in inbox.detail.text() and "已入库" in inbox.detail.text()

        detail = open_case_detail(running.app.context, session, case_id, transfer.case_label or CASE_NUMBER, main)
        assert isinstance(detail, CaseDetailView)
        qtbot.waitUntil(lambda: "transfer.receipted" in detail.action_buttons, timeout=10_000)
        assert "filing.decision" not in detail.action_buttons  # the receipt comes first (310号令第7条)
        receipt = detail.open_form("transfer.receipted")
        assert receipt is not None
        submit(qtbot, receipt)

        qtbot.waitUntil(lambda: "filing.decision" in detail.action_buttons, timeout=10_000)
        rows_before = detail.timeline.rowCount()
        decision = detail.open_form("filing.decision")
        assert decision is not None
        filed = decision.editors["filed"].input
        assert isinstance(filed, QComboBox)
        filed.setCurrentIndex(filed.findData("0"))  # 不予立案
        type_text(decision.editors["document_number"].input, "兴公不立字〔2026〕9号")  # type: ignore[arg-type]
        decision.editors["reasons"].set_text("现有证据不足以证明销售金额达到追诉标准")
        submit(qtbot, decision)
        qtbot.waitUntil(lambda: detail.timeline.rowCount() > rows_before, timeout=10_000)

        events = session.store.read(lambda s: case_events(s, case_id))
        kinds = [e.kind for e in events]
        assert kinds[-2:] == [EventKind.TRANSFER_RECEIPTED, EventKind.FILING_DECISION], kinds
        decided = events[-1]
        assert isinstance(decided, FilingDecision) and not decided.filed
        assert decided.document_number == "兴公不立字〔2026〕9号"
        assert all(e.operator_id == POLICE.operators[0].operator_id for e in events[-2:])
        assert running.stall_ms < STALL_LIMIT_MS, running.watchdog.stalls
    finally:
        stop_app(qtbot, running.app)

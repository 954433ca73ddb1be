"""Records entered on the logged-in terminal's real store for the feature page tests (set-up, not UI flows)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from app.domain.agencies import AgencyKind
from app.domain.deadlines import WorkingCalendar
from app.domain.timezone import CST
from app.models.sync_tables import OutboxRow
from app.services import case_actions_transfer as tr
from app.services.cases import CaseDesk, desk_for, open_penalty_case
from app.ui.shell import MainWindow
from tests.domain.factory import PARTY_COMPANY


def operator_desk(main: MainWindow) -> CaseDesk:
    assert main.session is not None
    return desk_for(main.session.handle, AgencyKind.ENFORCEMENT, WorkingCalendar())


def overdue_transfer_report(main: MainWindow, days_ago: int = 10) -> tuple[str, dt.datetime]:
    """A case whose transfer report went to the head ``days_ago`` days ago: the head's 3-day decision is overdue."""
    desk = operator_desk(main)
    reported = dt.datetime.now(CST).replace(hour=10, minute=0, second=0, microsecond=0) - dt.timedelta(days=days_ago)
    changes = open_penalty_case(
        desk, case_number="银兴市监立〔2026〕31号", title="某食品公司涉嫌生产销售伪劣产品案",
        offence_code="criminal-law-140", party_name="某食品有限公司", party_id=PARTY_COMPANY,
        occurred_at=reported - dt.timedelta(days=1),
    )  # fmt: skip
    (case_id,) = changes.cases
    tr.report_transfer(desk, case_id, officers=("张三", "李四"), summary="涉嫌犯罪", occurred_at=reported)
    return case_id, reported


def failed_packet(main: MainWindow, reason: str) -> str:
    """A packet the platform refused for good, as the sync engine leaves it in the outbox."""
    assert main.session is not None
    packet_id = str(uuid.uuid4())
    now = dt.datetime.now(dt.UTC)

    def add(session) -> None:  # type: ignore[no-untyped-def]
        session.add(
            OutboxRow(
                packet_id=packet_id, kind="transferred", case_id="case-x", event_id=str(uuid.uuid4()),
                recipients=json.dumps(["11640104MB0000003"]), manifest_sha256="0" * 64, data=b"packet", size=6,
                state="failed", reason=reason, attempts=3, created_at=now, next_attempt_at=now, sent_at=None,
            )
        )  # fmt: skip

    main.session.store.write(add)
    return packet_id

"""The interactive demo world's seed: every terminal sees, through the platform, the stages and the affairs the seed
entered on the others (consultations, a joint meeting, 备案, prosecution and judgment, a 检察建议书 and its reply)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from app.demo.agencies import ENFORCEMENT, INTERACTIVE_AGENCIES, POLICE, PROCURATORATE, DemoAgency
from app.demo.seed import Seeded, seed_world
from app.demo.world import DemoWorld
from app.domain.affairs import ConsultationState, LinkageFilingState, MeetingState
from app.domain.lifecycle import CaseStage
from app.models.snapshots import load_case_state
from app.services.affairs import affair_state

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoWorld, Seeded]]:
    logging.getLogger("app.config").setLevel(logging.ERROR)
    world = DemoWorld.build(tmp_path_factory.mktemp("seed") / "demo", INTERACTIVE_AGENCIES)
    try:
        yield world, seed_world(world, penalty_cases=3)
    finally:
        world.close()


def _stage(world: DemoWorld, agency: DemoAgency, case_id: str) -> CaseStage | None:
    with world.terminal(agency).acting(sync=False) as acting:
        state = acting.session.store.read(lambda s: load_case_state(s, case_id))
    return state.stage if state else None


def test_judged_case_is_judged_on_every_member_terminal(seeded: tuple[DemoWorld, Seeded]) -> None:
    world, s = seeded
    for agency in (ENFORCEMENT, POLICE, PROCURATORATE):
        assert _stage(world, agency, s.transfers[0]) is CaseStage.JUDGED, agency.name
    assert _stage(world, POLICE, s.transfers[-4]) is CaseStage.TRANSFERRED  # 待签收


def test_affairs_reach_the_other_side(seeded: tuple[DemoWorld, Seeded]) -> None:
    world, s = seeded
    with world.terminal(ENFORCEMENT).acting(sync=False) as acting:
        store = acting.session.store
        answered, pending = (affair_state(store, a) for a in s.consultations)
        meeting = affair_state(store, s.meetings[0])
        case = store.read(lambda x: load_case_state(x, s.transfers[3]))
    assert isinstance(answered, ConsultationState) and answered.answered_at is not None
    assert isinstance(pending, ConsultationState) and pending.answered_at is None
    assert isinstance(meeting, MeetingState) and meeting.held_at is not None and meeting.minutes
    assert case is not None and case.documents and case.documents[0].replied_at is not None
    with world.terminal(PROCURATORATE).acting(sync=False) as acting:
        filing = affair_state(acting.session.store, s.linkage_filings[0])
        case = acting.session.store.read(lambda x: load_case_state(x, s.transfers[3]))
    assert isinstance(filing, LinkageFilingState) and filing.related_case_id == s.transfers[0]
    assert case is not None and case.documents[0].replied_at is not None

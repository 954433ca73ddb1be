"""The demo world in the window (offscreen): the login window shows the demo PIN, and one click on the switch bar
opens the police terminal's login on its own data dir."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.demo.agencies import DEMO_PIN, POLICE
from app.demo.world import DemoWorld
from app.ui.app import TerminalApp, demo_switcher
from app.ui.demo_switch import DemoSwitchBar, DemoTerminalChoice

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWorld]:
    logging.getLogger("app.config").setLevel(logging.ERROR)
    built = DemoWorld.build(tmp_path_factory.mktemp("world") / "demo")
    yield built
    built.close()


def test_login_shows_the_demo_pin_and_switching_opens_the_police_login(world: DemoWorld, qtbot: QtBot) -> None:
    choices = [DemoTerminalChoice(t.agency.name, t.config) for t in world.terminals.values()]
    switcher = demo_switcher(choices, DEMO_PIN)
    first = switcher.open(0)
    assert isinstance(first, TerminalApp)
    try:
        login = first.login
        qtbot.waitUntil(lambda: "银川市兴庆区市场监督管理局" in login.terminal_label.text(), timeout=30_000)
        assert DEMO_PIN in login.demo_hint.text() and login.demo_hint.isVisibleTo(login)
        bar = login.findChild(DemoSwitchBar)
        assert bar is not None and [b.text() for b in bar.buttons] == [c.label for c in choices]
        police_button = next(b for b in bar.buttons if b.text() == POLICE.name)
        police_button.click()
        second = switcher.current
        assert isinstance(second, TerminalApp) and second is not first
        assert second.context.config.data_dir == Path(world.terminal(POLICE).data_dir)
        qtbot.waitUntil(lambda: POLICE.name in second.login.terminal_label.text(), timeout=30_000)
        assert second.login.isVisible() and not login.isVisible()
        assert DEMO_PIN in second.login.demo_hint.text()
        assert second.login.candidates.count() == len(POLICE.operators)
    finally:
        current = switcher.current
        if isinstance(current, TerminalApp):
            current.login.hide()
            current.shutdown()

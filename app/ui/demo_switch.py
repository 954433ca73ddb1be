"""Demo only: a bar on the login window listing the demo world's terminals; one click restarts the application
context on another agency's data dir (its own store, key slots and operators) and shows that terminal's login."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.config import TerminalConfig

CHECKED_STYLE = "QPushButton:checked { background-color: #1d4e7e; color: white; border-color: #1d4e7e; }"


@dataclass(frozen=True)
class DemoTerminalChoice:
    """One terminal of the demo world as the bar shows it."""

    label: str  # e.g. 银川市公安局兴庆区分局
    config: TerminalConfig


class DemoSwitchBar(QWidget):
    """「演示：切换终端」 and one checkable button per terminal; ``switch`` is called with the chosen one."""

    def __init__(
        self, choices: Sequence[DemoTerminalChoice], current: int, switch: Callable[[DemoTerminalChoice], None]
    ) -> None:
        super().__init__()
        self.setObjectName("demoSwitchBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(28, 8, 28, 0)
        layout.addWidget(QLabel("演示：切换终端"))
        self.group = QButtonGroup(self)
        self.buttons: list[QPushButton] = []
        for index, choice in enumerate(choices):
            button = QPushButton(choice.label)
            button.setCheckable(True)
            button.setChecked(index == current)
            button.setToolTip(f"打开{choice.label}的演示终端（数据目录 {choice.config.data_dir}）")
            button.clicked.connect(lambda _checked=False, c=choice: switch(c))
            self.group.addButton(button, index)
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)
        self.setStyleSheet(CHECKED_STYLE)


class DemoSwitcher:
    """Holds the running application context and restarts it on another demo terminal's data dir.

    ``start(config)`` builds and starts an application for ``config`` (the hook in app/ui/app.py) and returns it;
    ``stop(app)`` shuts the previous one down once the new login window is showing."""

    def __init__(
        self, choices: Sequence[DemoTerminalChoice], start: Callable[[TerminalConfig], object],
        stop: Callable[[object], None], login_of: Callable[[object], QWidget],
    ) -> None:  # fmt: skip
        self.choices = tuple(choices)
        self._start, self._stop, self._login_of = start, stop, login_of
        self.current: object | None = None
        self.index = 0

    def open(self, index: int) -> object:
        """Start the application on terminal ``index`` and put the bar on its login window."""
        previous = self.current
        self.index = index
        app = self._start(self.choices[index].config)
        login = self._login_of(app)
        bar = DemoSwitchBar(self.choices, index, self.switch)
        layout = login.layout()
        if isinstance(layout, QVBoxLayout):
            layout.insertWidget(1, bar)
        self.current = app
        if previous is not None:
            self._stop(previous)
        return app

    def switch(self, choice: DemoTerminalChoice) -> None:
        index = self.choices.index(choice)
        if index != self.index:
            self.open(index)

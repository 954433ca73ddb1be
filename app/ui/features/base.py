"""What the shell expects of a feature: a widget, and notice of sessions starting and ending."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from app.ui.context import AppContext

if TYPE_CHECKING:
    from app.ui.backend import ActiveSession


class FeatureController(QObject):
    """One feature of the main window. Subclasses build ``widget`` and react to the session's life."""

    def __init__(self, context: AppContext, widget: QWidget) -> None:
        super().__init__(widget)
        self.context = context
        self.widget = widget
        self.session: ActiveSession | None = None

    def session_started(self, session: ActiveSession) -> None:
        """A login or an unlock: the store is open. Load what the page shows."""
        self.session = session

    def session_ended(self) -> None:
        """Locked or logged out: the store is closing. Drop every piece of case data the page holds."""
        self.session = None

    def activated(self) -> None:
        """The operator navigated to this page."""

    def focus_search(self) -> bool:
        """Ctrl+F: put the cursor in this page's search field; False when the page has none."""
        return False

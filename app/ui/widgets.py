"""Small building blocks every window uses: the banner, titles, message labels, the PIN field."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.ui.theme import icon, scale_font


def banner(title: str, subtitle: str) -> QFrame:
    """The dark-blue band at the top of the login and lock screens."""
    frame = QFrame()
    frame.setObjectName("banner")
    row = QHBoxLayout(frame)
    row.setContentsMargins(24, 18, 24, 18)
    emblem = QLabel()
    size = frame.fontMetrics().height() * 3
    emblem.setPixmap(icon("emblem-white").pixmap(QSize(size, size)))
    row.addWidget(emblem)
    column = QVBoxLayout()
    heading = QLabel(title)
    heading.setObjectName("bannerTitle")
    scale_font(heading, 1.8, bold=True)
    column.addWidget(heading)
    sub = QLabel(subtitle)
    sub.setObjectName("bannerSubtitle")
    column.addWidget(sub)
    row.addLayout(column, 1)
    return frame


def page_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("pageTitle")
    scale_font(label, 1.5, bold=True)
    return label


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def message_label(kind: str = "errorText") -> QLabel:
    """A hidden label for refusals (``errorText``) or warnings (``warningText``); ``show_message`` fills it."""
    label = QLabel()
    label.setObjectName(kind)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def show_message(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def primary_button(text: str, on_click: Callable[[], object], *, default: bool = False) -> QPushButton:
    """The one button of a window or page that does its main thing (styled ``#primary``); ``default``: Enter presses
    it."""
    button = QPushButton(text)
    button.setObjectName("primary")
    button.setDefault(default)
    button.clicked.connect(on_click)
    return button


def pin_field() -> QLineEdit:
    """A masked PIN entry that never offers to remember or complete what was typed."""
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText | Qt.InputMethodHint.ImhSensitiveData | Qt.InputMethodHint.ImhNoPredictiveText
    )
    field.setPlaceholderText("请输入 PIN 码")
    field.setMaxLength(64)
    return field


def card() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(24, 20, 24, 20)
    layout.setSpacing(10)
    return frame, layout


def shortcut(
    keys: str | Qt.Key,
    parent: QWidget,
    slot: Callable[[], object],
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
) -> QShortcut:
    """A keyboard shortcut, active while ``parent``'s window is (or only ``parent`` itself, with WidgetShortcut)."""
    made = QShortcut(QKeySequence(keys), parent)
    made.setContext(context)

    def fire() -> None:  # slots return nothing: PySide mishandles values returned to C++ signal emitters
        slot()

    made.activated.connect(fire)
    return made

"""收件箱: packets and their states; see mailbox_page."""

from __future__ import annotations

from app.ui.context import AppContext
from app.ui.features.base import FeatureController
from app.ui.features.mailbox_page import MailboxController

TITLE = "收件箱"
ICON = "inbox"


def create(context: AppContext) -> FeatureController:
    return MailboxController(context, outgoing=False)

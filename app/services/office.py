"""What deadlines and screening use on this terminal: the holiday calendar and the 以罚代刑 screening rules the office
published (verified, held in the store by the sync engine), else what the program ships.

Worker-thread code: each call reads the store and verifies what it holds again (a few milliseconds).
"""

from __future__ import annotations

from app.config import ConfigInvalid, TerminalConfig
from app.domain.deadlines import WorkingCalendar
from app.domain.screening import ScreeningRules
from app.models.store import Store
from app.resources import shipped_calendars
from app.services.documents import default_rules
from app.services.sync import sync_settings, trust_source
from app.sync.office_files import OfficeFiles


def office_files(config: TerminalConfig) -> OfficeFiles | None:
    """The office's publications for this terminal; None when no platform (and so no office) is configured."""
    try:
        settings = sync_settings(config)
    except ConfigInvalid:
        return None
    return OfficeFiles(trust_source(config, settings.office_code))


def working_calendar(store: Store, config: TerminalConfig, files: OfficeFiles | None = None) -> WorkingCalendar:
    """The bundled and shipped notices, and the years the office published (``files``: already at hand)."""
    files = files or office_files(config)
    return files.calendar(store) if files is not None else WorkingCalendar(shipped_calendars())


def screening_rules(store: Store, config: TerminalConfig, files: OfficeFiles | None = None) -> ScreeningRules:
    """The rules the office published, else the shipped default (``files``: already at hand)."""
    files = files or office_files(config)
    published = files.rules(store) if files is not None else None
    return published if published is not None else default_rules()

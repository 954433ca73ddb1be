"""Shared by the from-case tests: the agency directory (standing data), a realistic case script, PDF text."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.documents.catalog import template
from app.documents.from_case import AgencyProfile, CaseContext
from app.documents.numbers import NumberingScheme
from app.documents.render import DocumentRenderer
from app.domain.agencies import Agency
from app.domain.events import CaseOpened, PenaltyDecided, PenaltyProcedure
from app.domain.screening import load_rules
from tests.documents.conftest import poppler
from tests.domain.factory import (
    COURT,
    ENFORCEMENT,
    LEGAL_AFFAIRS,
    OFFICE,
    PARTY_COMPANY,
    POLICE,
    POLICE_2,
    PROCURATORATE,
    SUPERVISION,
    Script,
    at,
)

RULES = load_rules(Path(__file__).resolve().parents[2] / "resources" / "screening" / "default-rules.toml")


def _profile(agency: Agency, prefix: str, head: str = "", liaison: str = "") -> tuple[str, AgencyProfile]:
    return agency.code, AgencyProfile(agency, NumberingScheme(prefix), head, liaison)


DIRECTORY = dict(
    (
        _profile(ENFORCEMENT, "银兴市监", "赵建国", "王明　0951-5012345"),
        _profile(POLICE, "兴公", "马志强"),
        _profile(POLICE_2, "金公", "周立"),
        _profile(PROCURATORATE, "兴检", "刘检"),
        _profile(COURT, "兴法"),
        _profile(SUPERVISION, "兴监"),
        _profile(LEGAL_AFFAIRS, "兴司"),
        _profile(OFFICE, "兴两法办"),
    )
)


def context(**overrides: Any) -> CaseContext:
    """The standing data of the test agencies, printed by operator 王明."""
    return CaseContext(agencies=DIRECTORY, rules=RULES, operator="王明", **overrides)


def squash(text: str) -> str:
    """Whitespace and page numbers removed, so that text broken across lines and pages still matches."""
    return re.sub(r"—\d+—", "", re.sub(r"\s+", "", text))


def printed(renderer: DocumentRenderer, key: str, fields: object, tmp_path: Path) -> str:
    """Render ``fields`` with the template's builder and return the PDF's text as ``pdftotext`` extracts it."""
    path = tmp_path / f"{key}.pdf"
    path.write_bytes(renderer.render(template(key).build(fields)))
    return squash(poppler("pdftotext", str(path), "-"))


TITLE = "某商贸有限公司涉嫌销售伪劣产品案"
PARTY = "某商贸有限公司"
CASE_NUMBER = "银兴市监立〔2026〕7号"


def case_script(case_id: str = "case-1") -> Script:
    """A script whose clock starts on 2026-03-02 (a Monday)."""
    return Script(case_id, start=at(2026, 3, 2))


def opened(script: Script) -> CaseOpened:
    """The market regulator enters the case of a company selling substandard cable (刑法第140条)."""
    return script.make(  # type: ignore[no-any-return]
        CaseOpened,
        ENFORCEMENT,
        when=at(2026, 3, 2),
        case_number=CASE_NUMBER,
        title=TITLE,
        offence_code="criminal-law-140",
        party_name=PARTY,
        party_id=PARTY_COMPANY,
    )


def penalty(script: Script) -> PenaltyDecided:
    """A general-procedure penalty with a sales amount above the 5万元 threshold."""
    return script.make(  # type: ignore[no-any-return]
        PenaltyDecided,
        ENFORCEMENT,
        when=at(2026, 3, 4),
        decision_number="银兴市监罚决〔2026〕12号",
        procedure=PenaltyProcedure.GENERAL,
        fine=Decimal("5000.00"),
        measures=(("sales_amount", Decimal("86500")),),
    )

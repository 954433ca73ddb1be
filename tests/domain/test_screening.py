"""以罚代刑 screening: thresholds are data (DOMAIN.md ⚠); warnings carry the rule and the figures in Chinese."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from app.domain.lifecycle import fold
from app.domain.screening import PenaltyRecord, PublishedFileError, WarningRule, load_rules, parse_rules, screen
from tests.domain.factory import PARTY_COMPANY, PARTY_PERSON, Script, at, uscc

RULES_FILE = Path(__file__).resolve().parents[2] / "resources" / "screening" / "default-rules.toml"
RULES = load_rules(RULES_FILE)


def record(
    case_id: str,
    amount: str,
    *,
    party: str = PARTY_COMPANY,
    offence: str = "criminal-law-140",
    day: int = 1,
    measure: str = "sales_amount",
) -> PenaltyRecord:
    return PenaltyRecord(
        case_id, "agency", party, "某商贸有限公司", offence, at(2025, 3, day), {measure: Decimal(amount)}
    )


def test_threshold_reached_names_the_offence_and_figures() -> None:
    # 刑法第140条: 销售金额 ≥ 5万元 (立案追诉标准); 310号令 Art.11: no penalty in place of transfer
    (warning,) = screen([record("c1", "60000")], RULES)["c1"]
    assert warning.rule is WarningRule.THRESHOLD
    assert "销售金额60000元" in warning.message and "50000元" in warning.message and "刑法第140条" in warning.message
    assert ("threshold", "50000") in warning.figures


def test_near_threshold_at_the_configured_share() -> None:
    # default share 80%: 4.2万 of 5万 = 84%
    (warning,) = screen([record("c1", "42000")], RULES)["c1"]
    assert warning.rule is WarningRule.NEAR_THRESHOLD and "84.0%" in warning.message
    assert "c1" not in screen([record("c1", "39999")], RULES)


def test_split_cases_of_the_same_party_add_up() -> None:
    # 化整为零: same party, same offence, within the window, each under 5万, together over it
    warnings = screen([record("c1", "20000", day=1), record("c2", "35000", day=20)], RULES)
    split = [w for w in warnings["c2"] if w.rule is WarningRule.SPLIT]
    assert split and "合计55000元" in split[0].message and split[0].related_cases == ("c1",)
    other_party = screen([record("c1", "20000"), record("c2", "35000", party=PARTY_PERSON)], RULES)
    assert all(w.rule is not WarningRule.SPLIT for ws in other_party.values() for w in ws)


def test_repeated_penalties_by_credit_code_or_id_number() -> None:
    # default: 3 penalties within 365 days; 污染环境 (刑法第338条): a second penalty within 2 years
    party = uscc("91640100MA7000009")
    records = [record(f"c{i}", "100", party=party, offence="other", day=i) for i in (1, 2, 3)]
    repeated = screen(records, RULES)["c3"]
    assert repeated[0].rule is WarningRule.REPEATED and "3次" in repeated[0].message
    env = [
        record(f"e{i}", "0.1", party=PARTY_PERSON, offence="criminal-law-338", measure="hazardous_waste_tons", day=i)
        for i in (1, 5)
    ]
    env_warning = [w for w in screen(env, RULES)["e5"] if w.rule is WarningRule.REPEATED]
    assert env_warning and "730天" in env_warning[0].message


def test_penalty_record_from_a_case_state() -> None:
    s = Script()
    state = fold([s.opened(), s.penalty("60000")])
    rec = PenaltyRecord.from_state(state)
    assert rec is not None and rec.measures["sales_amount"] == Decimal("60000")
    assert PenaltyRecord.from_state(fold([Script("c9").opened()])) is None


def test_malformed_rules_are_refused_with_the_line() -> None:
    text = RULES_FILE.read_text(encoding="utf-8")
    with pytest.raises(PublishedFileError) as caught:
        parse_rules(text.replace("value = 150000", 'value = "150000"'))
    line = text.splitlines().index("value = 150000") + 1
    assert caught.value.line == line and "offences[1].thresholds[2].value" in caught.value.user_message
    with pytest.raises(PublishedFileError) as caught:
        parse_rules(text.replace("near_threshold_share = 0.8", "near_threshold_share = 1.8"))
    assert caught.value.line == text.splitlines().index("near_threshold_share = 0.8") + 1
    with pytest.raises(PublishedFileError) as caught:
        parse_rules(text.replace("[split]", "[split"))
    assert caught.value.line is not None and "语法" in caught.value.user_message
    with pytest.raises(PublishedFileError) as caught:
        parse_rules(text.replace('code = "criminal-law-213"', 'code = "criminal-law-140"'))
    assert "重复" in caught.value.user_message

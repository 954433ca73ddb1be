"""``lianjie calendar due`` through its run function. A signed calendar (``--calendar``) is tested with the office's
PKI in tests/sync/test_office_files.py."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from app.commands import calendar
from app.domain.errors import AppError, DomainError
from tests.domain.test_deadlines import TEST_2027


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    parser = argparse.ArgumentParser(prog="lianjie calendar")
    calendar.add_arguments(parser)
    assert calendar.run(parser.parse_args(list(argv))) == 0
    return capsys.readouterr().out.strip()


def test_working_days_across_the_spring_festival(capsys: pytest.CaptureFixture[str]) -> None:
    # seed §8 / 国办发明电〔2024〕12号
    assert _run(capsys, "due", "--from", "2025-01-24", "--working-days", "3") == "2025-02-05"


def test_days_follow_article_105(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "due", "--from", "2025-09-29", "--days", "3") == "2025-10-09"


def test_hours_print_a_datetime_with_offset(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "due", "--from", "2025-01-28T16:30", "--hours", "24") == "2025-01-29T16:30:00+08:00"
    assert _run(capsys, "due", "--from", "2025-01-28T08:30:00+00:00", "--hours", "24") == "2025-01-29T16:30:00+08:00"


def test_2027_is_provisional_and_an_unsigned_calendar_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert _run(capsys, "due", "--from", "2026-12-28", "--working-days", "5") == "2027-01-05 provisional"
    file = tmp_path / "2027.toml"
    file.write_text(TEST_2027, encoding="utf-8")
    with pytest.raises(AppError) as refused:  # no office configured here to verify it with, and it is not signed
        _run(capsys, "due", "--from", "2026-12-28", "--working-days", "5", "--calendar", str(file))
    assert "无法校验节假日安排文件" in refused.value.user_message


def test_bad_input_is_refused_in_chinese(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(DomainError) as caught:
        _run(capsys, "due", "--from", "去年", "--days", "3")
    assert "起算时间" in caught.value.user_message
    with pytest.raises(DomainError) as caught:
        _run(capsys, "due", "--from", "2025-01-01", "--hours", "3")
    assert "具体时间" in caught.value.user_message

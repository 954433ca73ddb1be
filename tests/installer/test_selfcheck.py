"""``lianjie --self-check`` from the source tree: one line per check, exit status from the failures only."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from app.selfcheck import CheckContext, CheckNotice, run_checks, run_self_check
from tests.installer.conftest import ROOT, clean_env


def passing(ctx: CheckContext) -> str:
    return "正常"


def noticing(ctx: CheckContext) -> str:
    raise CheckNotice("无桌面会话")


def failing(ctx: CheckContext) -> str:
    raise RuntimeError("坏了")


def test_a_failed_check_is_reported_and_the_others_still_run() -> None:
    out = io.StringIO()
    results = run_checks(checks=[("甲", failing), ("乙", passing), ("丙", noticing)], out=out)
    assert [r.status for r in results] == ["失败", "通过", "提示"]
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("失败  甲：RuntimeError: 坏了")
    assert lines[1].startswith("通过  乙：正常")


def test_exit_status_is_nonzero_only_when_a_check_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.selfcheck.CHECKS", (("乙", passing), ("丙", noticing)))
    out = io.StringIO()
    assert run_self_check(out=out) == 0
    assert out.getvalue().splitlines()[-1] == "自检结果：全部通过，共 2 项，1 项提示（丙）"
    monkeypatch.setattr("app.selfcheck.CHECKS", (("甲", failing), ("乙", passing)))
    out = io.StringIO()
    assert run_self_check(out=out) == 1
    assert out.getvalue().splitlines()[-1] == "自检结果：1 项失败（甲），共 2 项"


def test_self_check_passes_from_the_source_tree_without_a_display(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "--self-check", "--data-dir", str(tmp_path / "data")],
        cwd=ROOT,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "失败" not in result.stdout
    assert not (tmp_path / "data").exists()  # the self-check reads the data folder, never creates it

"""``lianjie sync --once``: one sync pass for scripts and diagnosis, as the logged-in operator of a token or file.

Logs in (token label or PKCS#12 file; the PIN from ``LIANJIE_PIN`` or a prompt — never an argument, it would show
in the process list), runs one pass (push, pull, apply) and prints what it did and the resulting state.
Exit 0 when up to date, 1 when offline or in error (the reason is printed), 2 for usage errors.
"""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from app.config import load_config
from app.crypto.pkcs11_token import DEFAULT_MODULE_PATHS, PinRequest, TokenLibrary
from app.services.identity import list_candidates
from app.services.login import LoginService
from app.services.sync import build_engine, sync_settings
from app.sync.state import SyncPhase

PIN_ENV = "LIANJIE_PIN"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--once`` (required for now: the background engine runs inside the desktop application)."""
    parser.add_argument("--once", action="store_true", required=True, help="同步一次后退出")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--token", help="操作员数字证书介质（USB Key）的标签")
    who.add_argument("--p12", type=Path, help="操作员证书文件（PKCS#12）")
    parser.add_argument("--pkcs11-module", help="PKCS#11 模块路径（默认自动查找）")


def _prompter(request: PinRequest) -> str | None:
    return os.environ.get(PIN_ENV) or getpass.getpass(f"请输入 {request.token_label} 的口令：")


def run(args: argparse.Namespace) -> int:
    """Log in, run one pass, print the report."""
    config = load_config(Path(args.data_dir) if args.data_dir else None)
    settings = sync_settings(config)
    tokens = None
    if args.token:
        module = args.pkcs11_module or next((p for p in DEFAULT_MODULE_PATHS if Path(p).exists()), None)
        if module is None:
            print("错误：找不到 PKCS#11 模块，请用 --pkcs11-module 指定。")
            return 2
        tokens = TokenLibrary(module)
    location = args.token or str(args.p12)
    candidates = [c for c in list_candidates(config, tokens) if c.location == location]
    if not candidates:
        print(f"错误：没有找到可登录的操作员证书（{location}）。")
        return 2
    session = LoginService(config, tokens=tokens).login(candidates[0], _prompter)
    try:
        engine = build_engine(session, config, settings)
        report = engine.run_once()
    finally:
        session.lock("同步命令结束")
        if tokens is not None:
            tokens.close()
    print(f"发送 {report.pushed} 个（回执 {report.receipts}，失败 {report.failed}）；"
          f"接收 {report.received} 个（已处理 {report.applied}，重复 {report.duplicates}，"
          f"隔离 {report.quarantined}，待处理 {report.deferred}）")  # fmt: skip
    status = report.status
    print(f"状态：{status.text}；待发送 {status.pending_out}，待处理 {status.waiting_apply}")
    if status.clock_skew is not None:
        print(f"本机与平台时差：{status.clock_skew.total_seconds():+.1f} 秒")
    return 0 if status.phase is SyncPhase.UP_TO_DATE else 1

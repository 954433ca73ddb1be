"""``lianjie demo``: the demo world of the desktop application.

The full world (PKI, embedded platform, three agencies' terminals) arrives with the desktop-application work;
until then this opens what the application has.
"""

from __future__ import annotations

import argparse

from app.ui.shell import run_window


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--headless", action="store_true", help="不打开窗口，运行脚本化场景")
    parser.add_argument("--out", help="场景输出目录（与 --headless 一起使用）")


def run(args: argparse.Namespace) -> int:
    if args.headless:
        print("演示场景尚未提供：需要桌面应用功能（见问题 6）。")
        return 1
    return run_window("演示环境尚在建设中：目前可用的是加密存储、身份认证、案件规则等核心功能的命令行工具。")

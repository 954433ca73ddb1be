"""The ``lianjie`` command: the desktop application by default, plus headless sub-commands.

Each sub-command lives in ``app/commands/<module>.py`` with ``add_arguments(parser)`` and ``run(args) -> int``;
only the chosen one is imported, so that launching the window pays for nothing else.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from app import __version__
from app.domain.errors import AppError

# name -> (module under app.commands, one-line help in Chinese)
COMMANDS: dict[str, tuple[str, str]] = {
    "audit": ("audit", "审计日志：校验哈希链"),
    "calendar": ("calendar", "工作日与期限计算"),
    "demo": ("demo", "演示环境"),
    "doc": ("doc", "公文与法律文书：生成 PDF"),
    "identity": ("identity", "身份：检查证书能否登录"),
    "packet": ("packet", "数据包：校验与查看"),
    "pki": ("pki", "平台证书机构：创建、签发、吊销、吊销列表"),
    "sync": ("sync", "与平台同步：发送、接收、处理数据包"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lianjie", description="衔接终端 — 两法衔接信息共享平台终端")
    parser.add_argument("--version", action="version", version=f"lianjie {__version__}")
    parser.add_argument("--data-dir", help="终端数据目录（默认：用户数据目录下的 lianjie）")
    parser.add_argument("--self-check", action="store_true", help="自检：安装后检查本机能否运行终端（无界面）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    known, rest = parser.parse_known_args(args_list)
    if known.self_check:
        if known.command is not None or rest:
            parser.error("--self-check 不能与其他命令同用")
        selfcheck = importlib.import_module("app.selfcheck")
        data_dir = Path(known.data_dir) if known.data_dir else None
        code: int = selfcheck.run_self_check(data_dir)
        return code
    if known.command is None:
        # No sub-command: the desktop application. Imported only now, so that headless commands never load Qt.
        gui = importlib.import_module("app.ui.app")
        gui_code: int = gui.main_gui(args_list)
        return gui_code
    module_name, help_text = COMMANDS[known.command]
    module = importlib.import_module(f"app.commands.{module_name}")
    command_parser = argparse.ArgumentParser(prog=f"lianjie {known.command}", description=help_text)
    module.add_arguments(command_parser)
    command_args = command_parser.parse_args(rest)
    command_args.data_dir = known.data_dir
    try:
        result: int = module.run(command_args)
    except AppError as exc:
        print(f"错误：{exc.for_operator()}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    raise SystemExit(main())

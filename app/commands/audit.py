"""``lianjie audit verify``: check the audit log's hash chain and name the first broken row.

Exit status: 0 the chain is intact, 1 it is broken, 2 the store could not be opened (see app/cli.py).
The master key comes from one of the ``MasterKeySource`` functions below; unlocking with an operator certificate
plugs in as one more source once the token prompt exists for headless use.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from pathlib import Path

from app.config import TerminalConfig, load_config
from app.crypto.keyslots import unlock_with_recovery_key
from app.domain.errors import AppError
from app.models.audit import verify_audit_chain
from app.models.engine import MASTER_KEY_BYTES
from app.models.store import open_store

MasterKeySource = Callable[[TerminalConfig], bytes]


class MasterKeyUnavailable(AppError):
    user_message = "未提供解锁本地数据库的方式。"
    next_step = "请使用 --recovery-key（输入恢复密钥），或由系统管理员使用 --master-key-file。"


class MasterKeyFileInvalid(AppError):
    user_message = "主密钥文件无法读取或格式不正确（应为 64 位十六进制字符）。"
    next_step = "请检查文件路径和内容后重试。"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="校验审计日志哈希链，指出第一条被破坏的记录")
    how = verify.add_mutually_exclusive_group()
    how.add_argument(
        "--master-key-file", type=Path, metavar="FILE", help="含主密钥（十六进制）的文件，仅供系统管理员和测试使用"
    )
    how.add_argument("--recovery-key", action="store_true", help="输入本终端的恢复密钥解锁（不回显）")


def master_key_from_file(path: Path) -> MasterKeySource:
    """A source reading the hex master key from ``path`` (administrators and tests)."""

    def read(_config: TerminalConfig) -> bytes:
        try:
            key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        except (OSError, UnicodeDecodeError, ValueError):
            raise MasterKeyFileInvalid(f"cannot read a master key from {path.name}") from None
        if len(key) != MASTER_KEY_BYTES:
            raise MasterKeyFileInvalid(f"{path.name} does not hold 32 bytes")
        return key

    return read


def master_key_from_recovery_prompt(config: TerminalConfig) -> bytes:
    """Ask for the printed recovery key without echo and unwrap the master key with it."""
    text = getpass.getpass("请输入恢复密钥：")
    return unlock_with_recovery_key(config, text).master_key


def _source(args: argparse.Namespace) -> MasterKeySource:
    if args.master_key_file is not None:
        return master_key_from_file(args.master_key_file)
    if args.recovery_key:
        return master_key_from_recovery_prompt
    raise MasterKeyUnavailable("no master key source given")


def verify(config: TerminalConfig, source: MasterKeySource) -> int:
    """Open the store, check the chain, print the verdict in Chinese; 0 only when intact."""
    with open_store(config, source(config)) as store:
        verdict = store.read(verify_audit_chain)
    print(verdict.describe())
    return 0 if verdict.intact else 1


def run(args: argparse.Namespace) -> int:
    config = load_config(Path(args.data_dir) if args.data_dir else None)
    return verify(config, _source(args))

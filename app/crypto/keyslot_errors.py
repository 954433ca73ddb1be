"""Typed errors of the key hierarchy: what the operator or the security officer reads, and what to do next.

The English message is for the log. None of these errors ever carries key material, a recovery key or a part of one.
"""

from __future__ import annotations

from app.domain.errors import AppError


class KeySlotError(AppError):
    """Something about the terminal's key slots stops the store from being opened or changed."""

    user_message = "无法打开本终端的加密数据。"
    next_step = "请联系本单位安全管理员。"


class TerminalNotInitialized(KeySlotError):
    user_message = "本终端尚未初始化，找不到密钥槽文件。"
    next_step = "请由安全管理员完成终端初始化。"


class TerminalAlreadyInitialized(KeySlotError):
    user_message = "本终端已经初始化，不能重复初始化。"
    next_step = "如需重新初始化，请先由安全管理员备份并移走原有数据。"


class KeySlotsCorrupt(KeySlotError):
    user_message = "密钥槽文件已损坏或被改动，终端拒绝使用。"
    next_step = "请勿继续操作，联系本单位安全管理员从备份恢复密钥槽文件。"


class KeySlotsUnsupportedVersion(KeySlotError):
    user_message = "密钥槽文件由更新版本的终端程序创建，当前程序无法读取。"
    next_step = "请将终端程序升级到最新版本。"


class StoreFromAnotherMachine(KeySlotError):
    user_message = "这份加密数据不属于本机（可能是从其他计算机复制而来，或本机系统密钥环中的机器密钥已丢失）。"
    next_step = "请由安全管理员使用打印的恢复密钥恢复终端，恢复后即与本机重新绑定。"


class OperatorNotEnrolled(KeySlotError):
    user_message = "该操作员证书未在本终端登记，不能登录本终端。"
    next_step = "请由本终端已登记的操作员为其办理登记。"


class OperatorAlreadyEnrolled(KeySlotError):
    user_message = "该操作员证书已在本终端登记。"
    next_step = ""


class OperatorKeyMismatch(KeySlotError):
    user_message = "证书对应的私钥与本终端登记的不一致，无法解锁。"
    next_step = "请确认插入的是本人的数字证书（USB Key）；如证书已更换，请重新登记。"


class UnsupportedOperatorKey(KeySlotError):
    user_message = "该证书的密钥类型不受支持（仅支持 RSA 2048 位及以上，或 ECC P-256）。"
    next_step = "请向证书签发机构申请符合规范的操作员证书。"


class LastOperatorSlot(KeySlotError):
    user_message = "这是本终端最后一名登记的操作员，不能移除。"
    next_step = "请先登记新的操作员，再移除该操作员。"


class MasterKeyMismatch(KeySlotError):
    user_message = "终端数据密钥与密钥槽文件不一致，操作未执行。"
    next_step = "请重新登录后再试；如仍出现，请联系系统管理员。"


class RecoveryKeyTypo(KeySlotError):
    """The recovery key as typed cannot be a recovery key: a typo, located where the check scheme allows."""

    user_message = "恢复密钥输入有误。"
    next_step = "请对照打印的恢复密钥逐组核对后重新输入。"

    def __init__(self, log_message: str, *, groups: tuple[int, ...] = (), user_message: str | None = None) -> None:
        super().__init__(log_message, user_message=user_message)
        # 1-based positions of the groups that fail their check; empty when the error cannot be placed.
        self.groups = groups

    @property
    def group(self) -> int | None:
        """The first group found wrong, or None when the typo cannot be placed in one group."""
        return self.groups[0] if self.groups else None


class RecoveryKeyWrong(KeySlotError):
    user_message = "恢复密钥格式正确，但不是本终端的恢复密钥。"
    next_step = "请确认使用的是本终端初始化时打印的恢复密钥。"


class KeyringUnavailable(KeySlotError):
    user_message = "无法使用操作系统的密钥环保存本机密钥。"
    next_step = (
        "请在带有系统密钥环的桌面环境中运行终端（Windows 凭据管理器、macOS 钥匙串或 Linux 的 Secret Service），"
        "或联系系统管理员。"
    )

"""Errors of the encrypted store, each with the sentence the operator reads and what to do next.

Whatever the error, the store file is never recreated or overwritten: what was committed stays as it was.
The English messages are for the log and never carry key material or record contents.
"""

from __future__ import annotations

from app.domain.errors import AppError
from app.files import DiskFull


class StoreError(AppError):
    """Any failure to open or use the encrypted store."""

    user_message = "本地数据库无法使用。"
    next_step = "请联系系统管理员。"


class StoreMissing(StoreError):
    user_message = "未找到本终端的本地数据库。"
    next_step = "请确认数据目录设置正确；如为新终端，请先完成初始化。"


class StoreKeyWrong(StoreError):
    # SQLCipher cannot tell a wrong key from a damaged first page: both fail the same HMAC check.
    user_message = "数据库密钥与数据文件不匹配：该文件可能复制自其他终端，或文件首页已损坏。数据文件未被改动。"
    next_step = "请确认使用的是本终端的数据目录和本终端登记的证书；如仍无法打开，请联系系统管理员从备份恢复。"


class StoreNotADatabase(StoreError):
    user_message = "指定的文件不是衔接终端的加密数据库。数据文件未被改动。"
    next_step = "请检查数据目录设置，或联系系统管理员。"


class StoreCorrupt(StoreError):
    user_message = "本地数据库文件已损坏或不完整。数据文件未被改动。"
    next_step = "请勿删除该文件，立即联系系统管理员从备份恢复。"


class StoreTruncated(StoreCorrupt):
    user_message = "本地数据库文件不完整（文件被截断）。数据文件未被改动。"


class StoreBusy(StoreError):
    user_message = "本地数据库正被另一个程序使用。"
    next_step = "请关闭其他正在运行的衔接终端窗口或命令后重试。"


class StoreSchemaTooNew(StoreError):
    user_message = "本地数据库由更新版本的衔接终端创建，当前程序无法使用。数据文件未被改动。"
    next_step = "请将衔接终端升级到最新版本。"


class StoreDiskFull(StoreError, DiskFull):
    user_message = "磁盘空间不足，本次修改未保存。此前已保存的数据未受影响。"
    next_step = "请清理磁盘空间后重试。"


class StoreClosed(StoreError):
    user_message = "本地数据库已关闭。"
    next_step = "请重新登录后重试。"

"""The platform client's typed errors, and how an HTTP answer or a transport failure maps to one.

Each error carries the Chinese sentence the operator reads; for 422 the platform's refusal maps back to the same
``PacketRejected`` subclass a local verification raises (by its wire code), its message prefixed 平台拒收.
"""

from __future__ import annotations

import ssl
from typing import Any

from app.domain.errors import AppError
from app.sync.packet.errors import PacketRejected, rejection_classes


class PlatformError(AppError):
    """The platform could not be used for this request."""

    user_message = "与平台通信失败。"


class PlatformUnreachable(PlatformError):
    user_message = "无法连接平台（网络中断、平台未运行或响应超时）。"
    next_step = "数据已保存在本机，网络恢复后将自动发送。"


class PlatformUntrusted(PlatformError):
    user_message = "平台的证书不可信，已中止连接。"
    next_step = "请联系系统管理员核对平台根证书与平台地址。"


class TerminalRefused(PlatformError):
    user_message = "平台拒绝了本终端的证书（证书无效、已吊销或不属于成员单位）。"
    next_step = "请联系系统管理员检查本终端证书。"


class PlatformConflict(PlatformError):
    user_message = "平台上已有编号相同但内容不同的数据包。"
    next_step = "请联系系统管理员核查。"


class PacketRefused(PlatformError):
    """The platform will never take this packet as it is (another agency's, a malformed id, over its size limit):
    sending it again changes nothing."""

    user_message = "平台拒收该数据包。"
    next_step = "该数据包不再自动发送；请联系系统管理员核查。"


class PlatformNotFound(PlatformError):
    user_message = "平台上没有该数据，或本单位无权查看。"


class PlatformFailed(PlatformError):
    user_message = "平台处理请求时出错。"
    next_step = "请稍后重试；如持续出现，请联系平台管理员。"


class BatchRefused(PlatformError):
    """The platform refused a batch upload as a whole (400 framing, 413 bounds, 415 media type): nothing stored."""

    user_message = "平台拒收了整批数据包。"
    next_step = "将逐个发送这些数据包。"

    def __init__(self, log_message: str, *, status: int, user_message: str | None = None) -> None:
        super().__init__(log_message, user_message=user_message)
        self.status = status


def refusal_of(body: Any) -> tuple[str, str]:
    """(code, message) of an error body ``{"error": {"code", "message"}}``; ("unknown", "") if it is not one."""
    try:
        return str(body["error"]["code"]), str(body["error"]["message"])
    except (KeyError, TypeError):
        return "unknown", ""


def status_error(status: int, code: str, message: str, where: str, *, upload: bool = False) -> AppError:
    """The typed error for one refused request, or (``upload``) for one packet the platform refused."""
    if upload and (status in (400, 413) or (status == 403 and code == "not-sender")):
        return PacketRefused(where, user_message=f"平台拒收：{message}" if message else None)
    if status == 422:
        cls = rejection_classes().get(code, PacketRejected)
        return cls(where, user_message=f"平台拒收：{message}" if message else None)
    if status == 409:
        return PlatformConflict(where)
    if status in (401, 403):
        return TerminalRefused(where, user_message=message or None)
    if status == 404:
        return PlatformNotFound(where, user_message=message or None)
    return PlatformFailed(where, user_message=message or None)


def transport_error(method: str, path: str, exc: Exception) -> PlatformError:
    """The typed error for a connection that failed (network, TLS)."""
    text = repr(exc) + repr(exc.__context__) + repr(getattr(exc, "__cause__", None))
    if "CERTIFICATE_VERIFY_FAILED" in text or isinstance(exc.__context__, ssl.SSLCertVerificationError):
        return PlatformUntrusted(f"{method} {path}: platform certificate not trusted")
    if "alert" in text.lower() or "certificate required" in text.lower():
        return TerminalRefused(f"{method} {path}: TLS refused by the platform: {type(exc).__name__}")
    return PlatformUnreachable(f"{method} {path}: {type(exc).__name__}")

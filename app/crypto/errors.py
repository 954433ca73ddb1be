"""Identity errors: why a certificate, a token or a PIN was refused, in words the operator can act on.

Every class carries a stable ``reason`` (English, for the audit log and scripts) besides the Chinese sentence.
No message ever contains a PIN, a passphrase or key material.
"""

from __future__ import annotations

from typing import ClassVar

from app.domain.errors import AppError


class IdentityError(AppError):
    """Root of every refusal of a certificate, token, PIN or CA operation."""

    reason: ClassVar[str] = "identity_error"
    user_message = "身份验证未通过。"


class WrongPin(IdentityError):
    """The PIN (or PKCS#12 password) is wrong; ``tries_left`` only where the token says so."""

    reason = "wrong_pin"
    user_message = "PIN 码错误。"
    next_step = "请重新输入。"

    def __init__(self, log_message: str = "", *, count_low: bool = False, final_try: bool = False) -> None:
        self.count_low = count_low
        self.final_try = final_try
        if final_try:
            message = "PIN 码错误，仅剩最后一次尝试机会，再次输错将锁定介质。"
        elif count_low:
            message = "PIN 码错误，介质提示剩余尝试次数已不多。"
        else:
            message = "PIN 码错误。"
        super().__init__(log_message or "wrong PIN", user_message=message)

    @property
    def tries_left(self) -> int | None:
        """1 when the token reports the final try; otherwise unknown (tokens do not report a number)."""
        return 1 if self.final_try else None


class PinLocked(IdentityError):
    reason = "pin_locked"
    user_message = "介质 PIN 码已被锁定。"
    next_step = "请持介质联系本单位安全管理员解锁，解锁前无法登录。"


class TokenNotFound(IdentityError):
    reason = "token_not_found"
    user_message = "未找到所选的证书介质（USB Key）。"
    next_step = "请插入介质后重试。"


class TokenRemoved(IdentityError):
    reason = "token_removed"
    user_message = "证书介质已被拔出，终端已锁定。"
    next_step = "请插回介质并重新输入 PIN 码。"


class TokenFailure(IdentityError):
    reason = "token_failure"
    user_message = "证书介质操作失败。"
    next_step = "请重新插拔介质后重试；仍失败请联系系统管理员。"


class KeyFileUnreadable(IdentityError):
    reason = "key_file_unreadable"
    user_message = "证书文件无法读取或已损坏。"
    next_step = "请确认选择了正确的 PKCS#12（.p12/.pfx）文件。"


class CertificateExpired(IdentityError):
    reason = "expired"
    user_message = "证书已过期。"
    next_step = "请联系平台证书管理员更换证书。"


class CertificateNotYetValid(IdentityError):
    reason = "not_yet_valid"
    user_message = "证书尚未生效。"
    next_step = "请检查本机时间，或待证书生效后再登录。"


class CertificateRevoked(IdentityError):
    reason = "revoked"
    user_message = "证书已被吊销。"
    next_step = "请联系平台证书管理员。"


class UnknownIssuer(IdentityError):
    reason = "unknown_issuer"
    user_message = "证书不是由本平台信任的证书机构签发的。"
    next_step = "请确认使用的是本平台签发的证书。"


class ProfileViolation(IdentityError):
    reason = "profile_violation"
    user_message = "证书内容不符合平台证书规范。"
    next_step = "请联系平台证书管理员重新签发。"


class WrongAgency(IdentityError):
    reason = "wrong_agency"
    user_message = "该证书属于其他单位，不能在本单位终端登录。"
    next_step = "请使用本单位为您办理的证书。"


class CrlInvalid(IdentityError):
    reason = "crl_invalid"
    user_message = "证书吊销列表无效（签名不符或格式错误），已拒绝使用。"
    next_step = "请重新从平台获取吊销列表。"


class CrlStale(IdentityError):
    reason = "crl_stale"
    user_message = "证书吊销列表已过期，无法确认证书未被吊销。"
    next_step = "请连接平台更新吊销列表后重试。"


class CaError(IdentityError):
    """A refusal of the PKI tooling (wrong passphrase, unknown serial, CA directory in use)."""

    reason = "ca_error"
    user_message = "证书机构操作失败。"

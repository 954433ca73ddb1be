"""The root of every error the operator may see.

Each error carries the sentence the operator reads (Chinese) and, where there is one, what to do next.
The English ``str()`` of the exception is for logs and never contains secrets.
"""

from __future__ import annotations


class AppError(Exception):
    """An error with a Chinese sentence for the operator and an English message for the log."""

    user_message: str = "操作未能完成。"
    next_step: str = ""

    def __init__(self, log_message: str = "", *, user_message: str | None = None, next_step: str | None = None):
        super().__init__(log_message or self.__class__.__name__)
        if user_message is not None:
            self.user_message = user_message
        if next_step is not None:
            self.next_step = next_step

    def for_operator(self) -> str:
        """The full text shown to the operator: what happened and what to do next."""
        return f"{self.user_message}{self.next_step}" if self.next_step else self.user_message


class DomainError(AppError):
    """A rule of the domain refuses an action (an illegal move, a bad value)."""

    user_message = "该操作不符合两法衔接工作规定。"

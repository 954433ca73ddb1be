"""The one way to run work off the UI thread (STYLE.md §2).

``runner.op(fn).success(cb).failure(cb).progress(cb).run()``: ``fn`` runs on a worker thread with an ``OpContext``
(progress reporting and cancellation); its result or error comes back to the UI thread through a queued signal.
Every failure goes to one error path that shows the operator a sentence, never a traceback.
"""

from __future__ import annotations

import itertools
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.domain.errors import AppError

log = logging.getLogger(__name__)

T = TypeVar("T")


class OpCancelled(AppError):
    user_message = "操作已取消。"


class InternalError(AppError):
    user_message = "发生内部错误，操作未完成。详细情况已记入日志。"
    next_step = "请重试；如仍出现，请导出诊断包交给系统管理员。"


class OpContext:
    """Handed to the work function: report progress, notice cancellation."""

    def __init__(self, op_id: int, bridge: _Bridge) -> None:
        self._op_id = op_id
        self._bridge = bridge
        self._cancelled = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def raise_if_cancelled(self) -> None:
        if self._cancelled.is_set():
            raise OpCancelled(f"op {self._op_id} cancelled")

    def report(self, done: int, total: int, text: str = "") -> None:
        """Progress from the worker thread; delivered on the UI thread."""
        self._bridge.progressed.emit(self._op_id, done, total, text)

    def cancel(self) -> None:
        self._cancelled.set()


class _Bridge(QObject):
    """Lives on the UI thread; worker threads emit on it, so delivery is queued onto the UI thread."""

    finished = Signal(int, bool, object)
    progressed = Signal(int, int, int, str)


@dataclass
class _Callbacks:
    success: Callable[[Any], None] | None = None
    failure: Callable[[AppError], None] | None = None
    progress: Callable[[int, int, str], None] | None = None
    context: OpContext | None = field(default=None, repr=False)


class _Task(QRunnable):
    def __init__(self, op_id: int, fn: Callable[[OpContext], Any], context: OpContext, bridge: _Bridge) -> None:
        super().__init__()
        self._op_id = op_id
        self._fn = fn
        self._context = context
        self._bridge = bridge

    def run(self) -> None:
        try:
            result = self._fn(self._context)
        except AppError as exc:
            self._bridge.finished.emit(self._op_id, False, exc)
        except Exception as exc:  # every failure must reach the one error path
            # Only the type and the frames: an exception's text may carry case data, which logs must not.
            frames = "; ".join(f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_tb(exc.__traceback__))
            log.error("op %s failed with %s at %s", self._op_id, type(exc).__name__, frames)
            self._bridge.finished.emit(self._op_id, False, InternalError(f"{type(exc).__name__} in op"))
        else:
            self._bridge.finished.emit(self._op_id, True, result)


class Op(Generic[T]):
    """A piece of background work being configured; ``run()`` starts it."""

    def __init__(self, runner: OpRunner, fn: Callable[[OpContext], T]) -> None:
        self._runner = runner
        self._fn = fn
        self._callbacks = _Callbacks()

    def success(self, callback: Callable[[T], None]) -> Op[T]:
        self._callbacks.success = callback
        return self

    def failure(self, callback: Callable[[AppError], None]) -> Op[T]:
        self._callbacks.failure = callback
        return self

    def progress(self, callback: Callable[[int, int, str], None]) -> Op[T]:
        self._callbacks.progress = callback
        return self

    def run(self) -> OpContext:
        """Start the work; the returned context can cancel it."""
        return self._runner._start(self._fn, self._callbacks)


class OpRunner:
    """Owns the worker threads. Build one in main() and pass it down; never a global."""

    def __init__(self, on_error: Callable[[AppError], None], max_threads: int = 4) -> None:
        self._on_error = on_error
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(max_threads)
        self._bridge = _Bridge()
        self._bridge.finished.connect(self._finished)
        self._bridge.progressed.connect(self._progressed)
        self._ids = itertools.count(1)
        self._pending: dict[int, _Callbacks] = {}

    def op(self, fn: Callable[[OpContext], T]) -> Op[T]:
        return Op(self, fn)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def wait_for_idle(self, msecs: int = 30_000) -> bool:
        """Block until every worker is done (shutdown and tests only)."""
        return bool(self._pool.waitForDone(msecs))

    def _start(self, fn: Callable[[OpContext], Any], callbacks: _Callbacks) -> OpContext:
        op_id = next(self._ids)
        context = OpContext(op_id, self._bridge)
        callbacks.context = context
        self._pending[op_id] = callbacks
        self._pool.start(_Task(op_id, fn, context, self._bridge))
        return context

    @Slot(int, bool, object)
    def _finished(self, op_id: int, ok: bool, outcome: object) -> None:
        callbacks = self._pending.pop(op_id, None)
        if callbacks is None:
            return
        if ok:
            if callbacks.success is not None:
                callbacks.success(outcome)
            return
        error = outcome if isinstance(outcome, AppError) else InternalError(repr(type(outcome)))
        if isinstance(error, OpCancelled):
            return
        (callbacks.failure or self._on_error)(error)

    @Slot(int, int, int, str)
    def _progressed(self, op_id: int, done: int, total: int, text: str) -> None:
        callbacks = self._pending.get(op_id)
        if callbacks is not None and callbacks.progress is not None:
            callbacks.progress(done, total, text)

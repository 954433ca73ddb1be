"""Desktop start-up and case-list figures, in one run; never fails on time.

1. Launch → login window painted: a fresh ``python`` child runs the application on a demo terminal and prints the
   wall time of the login window's first paint; the parent notes the time just before starting it.
2. The same for a bare PySide6 window (the floor on this machine), and the ratio of the two.
3. Unlock → painted case list over 100,000 cases: in this process, the real application; each run locks the terminal,
   unlocks it with the PIN, and times from the open session (the unlock's result) to the first paint of the table
   showing rows; also from the PIN's submission. The 100,000-case terminal is seeded once and cached under /tmp.

Medians of ``--runs`` runs. Targets (issue 6): login window ≤ 1.0 s and ≤ 3× the floor; case list ≤ 0.5 s.
Usage: ``python bench/ui.py [--runs 5] [--cases 100000]``. Uses QT_QPA_PLATFORM (offscreen unless DISPLAY is set).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = Path("/tmp/lianjie-bench-ui")

BARE_WINDOW = """
import sys, time
from PySide6.QtWidgets import QApplication, QWidget
class Window(QWidget):
    def paintEvent(self, event):
        print(repr(time.time()), flush=True)
        import os; os._exit(0)
app = QApplication(sys.argv)
window = Window()
window.setWindowTitle("floor")
window.resize(480, 360)
window.show()
app.exec()
"""

LOGIN_WINDOW = """
import os, sys, time
from pathlib import Path
from app.config import load_config
from app.ui.app import run_gui
def painted(window):
    print(repr(time.time()), flush=True)
    os._exit(0)
run_gui(load_config(Path(sys.argv[1])), on_login_painted=painted)
"""


def child_paint_seconds(code: str, *args: str) -> float:
    """Seconds from just before starting a fresh interpreter to the first paint it reports."""
    env = {**os.environ}
    if "DISPLAY" not in env:
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"child failed ({done.returncode}): {done.stderr[-2000:]}")
    return float(lines[-1]) - started


def seeded_terminal(cases: int) -> Path:
    """The cached demo terminal holding ``cases`` cases; built once (a minute or so for 100,000)."""
    from app.commands.demo import build_demo_terminal

    marker = CACHE / f"ready-{cases}"
    if not marker.exists():
        shutil.rmtree(CACHE, ignore_errors=True)
        print(f"seeding a demo terminal with {cases:,} cases under {CACHE} (once)…", flush=True)
        build_demo_terminal(CACHE, cases=cases)
        marker.write_text("ok", encoding="utf-8")
    return CACHE / "terminal"


def case_list_seconds(data_dir: Path, runs: int) -> tuple[list[float], list[float]]:
    """(session open → painted rows, PIN submitted → painted rows) for each unlock."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from app.commands.demo import DEMO_PIN
    from app.config import load_config
    from app.ui.app import TerminalApp
    from app.ui.features.cases.controller import CasesController

    app = QApplication.instance() or QApplication([sys.argv[0]])
    terminal = TerminalApp(load_config(data_dir), interactive_errors=False)
    terminal.start()
    spin(lambda: terminal.services_loaded and terminal.main_prepared and terminal.login.candidates.count() > 0)
    marks: dict[str, float] = {}

    class PaintProbe(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            waiting = "session" in marks and "painted" not in marks
            if waiting and event.type() == QEvent.Type.Paint and model.counted and model.row_at(0) is not None:
                QTimer.singleShot(0, painted)  # after this paint has been drawn
            return False

    def painted() -> None:
        marks.setdefault("painted", time.perf_counter())

    main = terminal._prepare_main()
    cases = main.controller("cases")
    assert isinstance(cases, CasesController)
    model = cases.model
    probe = PaintProbe()
    cases.table.viewport().installEventFilter(probe)
    from_session: list[float] = []
    from_pin: list[float] = []
    original_start = main.start_session

    def start_session(session: object) -> None:
        marks["session"] = time.perf_counter()
        original_start(session)  # type: ignore[arg-type]

    main.start_session = start_session  # type: ignore[method-assign]
    terminal.login.pin.setText(DEMO_PIN)
    marks["pin"] = time.perf_counter()
    terminal.login.submit()
    for _ in range(runs + 1):
        spin(lambda: "painted" in marks)
        from_session.append(marks["painted"] - marks["session"])
        from_pin.append(marks["painted"] - marks["pin"])
        main.lock_now()
        spin(lambda: main.locked and main.lock_page.unlock.isEnabled())
        marks.clear()
        marks["pin"] = time.perf_counter()
        main.lock_page.unlock_requested.emit(DEMO_PIN)
    spin(lambda: "painted" in marks)
    terminal.shutdown()
    del app
    return from_session[1:], from_pin[1:]  # the first includes the window's first show; the rest are unlocks


def spin(condition, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("bench step did not finish")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    if "DISPLAY" not in os.environ:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    data_dir = seeded_terminal(args.cases)
    floor = [child_paint_seconds(BARE_WINDOW) for _ in range(args.runs)]
    login = [child_paint_seconds(LOGIN_WINDOW, str(data_dir)) for _ in range(args.runs)]
    unlock, pin = case_list_seconds(data_dir, args.runs)
    floor_s, login_s = statistics.median(floor), statistics.median(login)
    platform = os.environ.get("QT_QPA_PLATFORM", "default")
    print(f"platform            {platform}, {os.cpu_count()} CPUs, median of {args.runs}")
    print(f"bare_window_s       {floor_s:.3f}   (runs: {', '.join(f'{v:.3f}' for v in floor)})")
    print(f"login_window_s      {login_s:.3f}   (runs: {', '.join(f'{v:.3f}' for v in login)})   target <= 1.0")
    print(f"login_over_floor    {login_s / floor_s:.2f}   target <= 3.0")
    print(
        f"case_list_s         {statistics.median(unlock):.3f}   (unlock result -> painted rows, {args.cases:,} cases;"
        f" runs: {', '.join(f'{v:.3f}' for v in unlock)})   target <= 0.5"
    )
    print(f"case_list_from_pin_s {statistics.median(pin):.3f}   (PIN submitted -> painted rows, includes key unwrap)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

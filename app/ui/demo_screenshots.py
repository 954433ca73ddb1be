"""Screenshots of the main screens from the seeded demo world (``lianjie demo --screenshots DIR``, after the
single-terminal shots): the login window with the demo's 切换终端 bar, 工作台, a case's detail with its timeline,
收件箱, 发件箱 (a packet 待发送 while sync is paused), 统计 and the transfer wizard's materials page: real windows
on the market regulator's terminal, real data entered through the services and synced through the embedded
platform. Run it under Xvfb (QT_QPA_PLATFORM=xcb)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from app.demo.agencies import DEMO_PIN, ENFORCEMENT
from app.demo.seed import Seeded
from app.demo.world import DemoWorld
from app.ui.app import TerminalApp, demo_switcher
from app.ui.demo_switch import DemoTerminalChoice
from app.ui.features.cases.controller import CasesController
from app.ui.features.mailbox_page import MailboxController
from app.ui.features.statistics import StatisticsController
from app.ui.features.workbench import WorkbenchController
from app.ui.screenshots import MAIN_SIZE, settle, spin
from app.ui.theme import apply_theme

MATERIAL_TEXT = "现场检查笔录：执法人员在该公司仓库查见不合格电线电缆120卷。"


def save(widget: QWidget, path: Path) -> Path:
    """A PNG of ``widget`` in 256 colours, undithered (flat UI colours and text stay crisp; the docs keep small
    files: about a third of the full-colour size)."""
    widget.grab().save(str(path), "PNG")
    image = Image.open(path).convert("RGB")
    image.quantize(256, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    return path


def take_world_screenshots(world: DemoWorld, seeded: Seeded, out: Path) -> list[Path]:
    """Log in to the market regulator's terminal as 王丽 and photograph the main screens; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(["lianjie"])
    assert isinstance(app, QApplication)
    apply_theme(app)
    choices = [DemoTerminalChoice(t.agency.name, t.config) for t in world.terminals.values()]
    switcher = demo_switcher(choices, DEMO_PIN)
    terminal = switcher.open(0)
    assert isinstance(terminal, TerminalApp)
    try:
        return _shoot(terminal, seeded, out)
    finally:
        terminal.login.hide()
        if terminal.main is not None:
            terminal.main.hide()
        terminal.shutdown()


def _shoot(terminal: TerminalApp, seeded: Seeded, out: Path) -> list[Path]:
    login = terminal.login
    spin(lambda: terminal.main_prepared and login.candidates.count() > 0 and login.login_button.isEnabled())
    name = ENFORCEMENT.operators[0].name
    for row in range(login.candidates.count()):
        item = login.candidates.item(row)
        if item is not None and name in item.text():
            login.candidates.setCurrentRow(row)
    settle()
    shots = [save(login, out / "login-demo.png")]
    login.pin.setText(DEMO_PIN)
    login.submit()
    spin(lambda: terminal.main is not None and terminal.main.session is not None)
    main = terminal.main
    assert main is not None
    main.resize(MAIN_SIZE)
    main.show()
    workbench = main.navigate("workbench")
    assert isinstance(workbench, WorkbenchController)
    spin(lambda: workbench.loads > 0 and workbench.todo.rowCount() > 0)
    settle(1.0)
    workbench.refresh()
    spin(lambda: workbench.loads > 1, timeout=20)
    settle()
    shots.append(save(main, out / "workbench.png"))
    statistics = main.navigate("statistics")
    assert isinstance(statistics, StatisticsController)
    spin(lambda: statistics.loads > 0)
    settle(1.0)
    shots.append(save(main, out / "statistics.png"))
    inbox = main.navigate("inbox")
    assert isinstance(inbox, MailboxController)
    spin(lambda: inbox.loads > 0 and inbox.table.rowCount() > 0)
    inbox.table.selectRow(0)
    settle()
    shots.append(save(main, out / "inbox.png"))
    cases = main.navigate("cases")
    assert isinstance(cases, CasesController)
    spin(lambda: cases.model.counted and cases.model.row_at(0) is not None)
    detail = cases.open_case(seeded.transfers[0])
    assert detail is not None
    spin(lambda: detail.view is not None and detail.timeline.rowCount() > 0)
    detail.resize(MAIN_SIZE.width() - 160, MAIN_SIZE.height() - 40)
    settle()
    shots.append(save(detail, out / "case-detail.png"))
    detail.reject()
    pause = next((b for b in main.findChildren(QPushButton) if b.text() == "暂停" and b.isEnabled()), None)
    if pause is not None:  # what the wizard records stays 待发送 in the 发件箱
        pause.click()
        settle(1.0)
    shots.append(_wizard(cases, seeded, out))
    outbox = main.navigate("outbox")
    assert isinstance(outbox, MailboxController)
    outbox.refresh()
    spin(lambda: outbox.loads > 0 and outbox.table.rowCount() > 0)
    settle()
    outbox.table.selectRow(0)
    settle()
    shots.append(save(main, out / "outbox.png"))
    return shots


def _wizard(cases: CasesController, seeded: Seeded, out: Path) -> Path:
    """The transfer wizard of the newest serious case, past its report, with two materials attached."""
    detail = cases.open_case(seeded.transfers[-1])
    assert detail is not None
    spin(lambda: detail.view is not None)
    wizard = detail.open_transfer()
    wizard.resize(880, 600)
    wizard.report.officers.setText("王丽、张伟")
    wizard.report.summary.setPlainText("当事人销售不合格电线电缆，货值金额8.65万元，涉嫌销售伪劣产品罪。")
    wizard.next()
    spin(lambda: wizard.currentPage() is wizard.materials)
    folder = out.parent / f".{out.name}-materials"
    folder.mkdir(exist_ok=True)
    slots = list(wizard.materials.panel.slots.values())
    for slot, stem in zip(slots[:2], ("银兴市监移〔2026〕12号", "调查报告"), strict=False):
        path = folder / f"{stem}.txt"
        path.write_text(MATERIAL_TEXT, encoding="utf-8")
        slot.add_file(path)
    spin(lambda: all(slot.stored is not None for slot in slots[:2]))
    settle()
    shot = save(wizard, out / "transfer-materials.png")
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    wizard.reject()
    detail.reject()
    return shot

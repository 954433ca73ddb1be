"""设置 saves the two operator settings and shows the CRL's state; 关于/诊断 checks the store and exports a support
bundle that holds logs and a summary, never case data."""

from __future__ import annotations

import tomllib
import zipfile
from pathlib import Path

from app.commands.demo import seed_cases
from app.config import load_config
from app.services.identity import list_candidates
from app.services.login import LoginService
from app.ui.features.diagnostics import DiagnosticsController
from app.ui.features.settings import SettingsController
from tests.crypto.conftest import AGENCY_CODE
from tests.services.conftest import P12_PASSWORD, Terminal
from tests.ui.conftest import STALL_LIMIT_MS, KdfWindows, log_in, start_app, stop_app


def test_settings_save_idle_minutes_and_platform_address_and_show_a_fresh_crl(
    qtbot, terminal: Terminal, kdf: KdfWindows
) -> None:
    running = start_app(qtbot, terminal, kdf)
    try:
        main = log_in(qtbot, running)
        settings = main.navigate("settings")
        assert isinstance(settings, SettingsController)
        qtbot.waitUntil(lambda: settings.anchors.rowCount() == 1, timeout=5000)
        anchor = settings.anchors.item(0, 0)
        assert anchor is not None and "测试平台根证书" in anchor.text()
        assert settings.crl.text().startswith("证书吊销列表有效")
        settings.platform_url.setText("https://lianjie.nx.gov.cn:8443")
        settings.idle_minutes.setValue(15)
        settings.save.click()
        qtbot.waitUntil(lambda: settings.saved.text() != "", timeout=5000)
        raw = tomllib.loads((terminal.config.data_dir / "config.toml").read_text(encoding="utf-8"))
        assert raw == {"platform_url": "https://lianjie.nx.gov.cn:8443", "idle_lock_minutes": 15}
        assert running.app.context.config.idle_lock_minutes == 15
        assert load_config(terminal.config.data_dir).platform_url == "https://lianjie.nx.gov.cn:8443"
        assert running.stall_ms < STALL_LIMIT_MS
    finally:
        stop_app(qtbot, running.app)


def test_diagnostics_checks_the_store_and_the_bundle_holds_no_case_data(
    qtbot, terminal: Terminal, tmp_path: Path, kdf: KdfWindows
) -> None:
    (candidate,) = list_candidates(terminal.config, None)
    session = LoginService(terminal.config).login(candidate, lambda request: P12_PASSWORD)
    try:
        session.store.write(lambda s: seed_cases(s, 50, AGENCY_CODE, seed=3))
    finally:
        session.lock("manual")
    terminal.config.logs_dir.mkdir(parents=True, exist_ok=True)
    (terminal.config.logs_dir / "lianjie.log").write_text("2026-01-01 INFO app: started\n", encoding="utf-8")
    running = start_app(qtbot, terminal, kdf)
    try:
        main = log_in(qtbot, running)
        diagnostics = main.navigate("diagnostics")
        assert isinstance(diagnostics, DiagnosticsController)
        diagnostics.check.click()
        qtbot.waitUntil(lambda: diagnostics.health is not None, timeout=10_000)
        assert diagnostics.integrity.text() == "✔ 数据库完整性检查通过。"
        assert diagnostics.audit.text().startswith("✔ 审计日志完整")
        assert "本地案件 50 件" in diagnostics.sizes.text()
        target = tmp_path / "bundle.zip"
        diagnostics.export_bundle(target)
        qtbot.waitUntil(lambda: diagnostics.bundle_result.text().startswith("已导出"), timeout=10_000)
        with zipfile.ZipFile(target) as bundle:
            names = bundle.namelist()
            text = b"".join(bundle.read(name) for name in names).decode("utf-8")
        assert names == ["summary.json", "logs/lianjie.log"]
        assert "涉嫌" not in text and "兴市监罚" not in text  # no case titles or numbers
        assert "审计日志完整" in text and "lianjie" in text
        store_bytes = terminal.config.store_path.read_bytes()[:4096]
        assert store_bytes not in target.read_bytes()

        diagnostics.export_bundle(tmp_path / "no-such-folder" / "bundle.zip")
        qtbot.waitUntil(lambda: diagnostics.error.isVisible(), timeout=10_000)
        assert diagnostics.error.text().startswith("诊断包未能写入所选位置。")
        assert running.stall_ms < STALL_LIMIT_MS
    finally:
        stop_app(qtbot, running.app)

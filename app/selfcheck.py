"""``lianjie --self-check``: what IT staff run after installing. Headless; one line per check; exit 0 only if all pass.

Every check works in a throwaway folder with throwaway keys: the terminal's own data folder is read (its
configuration), never written. A check returns its detail, raises ``CheckNotice`` for a state worth reporting that
is not a fault (no keyring on a machine without a desktop session), or raises anything else to fail.

Checks import what they exercise inside their own body, deliberately: a bundle missing SQLCipher or reportlab must
still print every other line, with the broken one marked 失败, rather than die on the self-check's own import.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import pkgutil
import platform
import secrets
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

from sqlalchemy import text
from sqlalchemy.orm import Session

import app
from app import __version__
from app.config import TerminalConfig, load_config
from app.domain.errors import AppError
from app.domain.identifiers import uscc_check_character
from app.resources import bundle_root, is_frozen, missing_resources, resources_dir

Status = Literal["通过", "失败", "提示"]
PASSED: Status = "通过"
FAILED: Status = "失败"
NOTICE: Status = "提示"

# Third-party modules the terminal loads lazily or per platform: a bundle missing one fails only at that moment.
DEPENDENCY_MODULES = (
    "sqlcipher3.dbapi2",
    "sqlalchemy.dialects.sqlite",
    "alembic.op",
    "alembic.context",
    "cryptography.hazmat.bindings._rust",
    "pkcs11._pkcs11",
    "reportlab.pdfbase.ttfonts",
    "keyring.backends.chainer",
    "asn1crypto.cms",
    "httpx",
    "chinese_calendar",
    "lunardate",
)
PLATFORM_MODULES = (
    ("keyring.backends.Windows", "win32ctypes.core")
    if sys.platform == "win32"
    else ("keyring.backends.SecretService", "secretstorage", "jeepney")
)
QT_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtSvg", "QtPrintSupport", "QtPdf", "QtPdfWidgets", "QtCharts")
NATIVE_KEYRING_ENTRY = {"win32": "Windows", "darwin": "macOS"}.get(sys.platform, "SecretService")
SAMPLE_TEMPLATE = "transfer_notice"


class CheckNotice(Exception):
    """A state to report without failing the self-check (its message is the detail)."""


@dataclass(frozen=True)
class CheckResult:
    """One line of the self-check: status, the check's name, what was found."""

    name: str
    status: Status
    detail: str
    seconds: float

    def line(self) -> str:
        """The line IT staff read, e.g. ``通过  加密存储：SQLCipher 4.6.1 …（0.3 秒）``."""
        return f"{self.status}  {self.name}：{self.detail}（{self.seconds:.1f} 秒）"


@dataclass(frozen=True)
class CheckContext:
    """What the checks share: a private scratch folder and the data folder given with ``--data-dir``."""

    workdir: Path
    data_dir: Path | None


Check = Callable[[CheckContext], str]


def check_environment(ctx: CheckContext) -> str:
    """Program version, Python, operating system, and where the program runs from."""
    where = f"安装包 {bundle_root()}" if is_frozen() else f"源代码 {Path(app.__file__).resolve().parent}"
    system = f"{platform.system()} {platform.release()} {platform.machine()}"
    return f"衔接终端 {__version__}，Python {platform.python_version()}，{system}，{where}"


def check_resources(ctx: CheckContext) -> str:
    """The shipped calendars, screening rules, style sheet and icons are where the code looks for them."""
    directory = resources_dir()
    missing = missing_resources(directory)
    if missing:
        raise FileNotFoundError(f"{directory} 中缺少：{'、'.join(missing)}")
    calendars = sorted(p.stem for p in (directory / "calendars").glob("*.toml"))
    icons = len(list((directory / "ui" / "icons").glob("*.svg")))
    fonts = len(list((directory / "fonts").glob("*.tt[fc]"))) if (directory / "fonts").is_dir() else 0
    listed = "、".join(calendars) or "无"
    return f"{directory}：节假日历 {listed}，筛查规则，界面样式，图标 {icons} 个，随附字体 {fonts} 个"


def app_module_names() -> list[str]:
    """Every module of the ``app`` package, as the running program (source or bundle) sees them."""
    return sorted(m.name for m in pkgutil.walk_packages(app.__path__, "app."))


def check_imports(ctx: CheckContext) -> str:
    """Import every module of the program and the dependencies it loads lazily."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # importing the UI never opens a window
    names = app_module_names()
    failures: list[str] = []
    for name in [*names, *DEPENDENCY_MODULES, *PLATFORM_MODULES]:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failures.append(f"{name}（{type(exc).__name__}: {exc}）")
    if failures:
        raise ImportError(f"{len(failures)} 个模块无法导入：{'；'.join(failures)}")
    return f"本程序模块 {len(names)} 个，依赖模块 {len(DEPENDENCY_MODULES) + len(PLATFORM_MODULES)} 个，全部可导入"


def check_qt(ctx: CheckContext) -> str:
    """Qt loads headless (offscreen) with the plugins the terminal needs; SVG icons, printing, PDF, charts work."""
    modules = {name: importlib.import_module(f"PySide6.{name}") for name in QT_MODULES}
    core, gui, widgets = modules["QtCore"], modules["QtGui"], modules["QtWidgets"]
    plugins = Path(core.QLibraryInfo.path(core.QLibraryInfo.LibraryPath.PluginsPath))
    platforms = sorted(p.name for p in (plugins / "platforms").glob("*") if p.is_file())
    wanted = ["offscreen", "windows" if sys.platform == "win32" else "xcb"]
    absent = [w for w in wanted if not any(w in name for name in platforms)]
    if not any("svg" in p.name for p in (plugins / "imageformats").glob("*")):
        absent.append("imageformats/svg")
    if sys.platform.startswith("linux") and not any((plugins / "printsupport").glob("*cups*")):
        absent.append("printsupport/cups")
    if absent:
        raise FileNotFoundError(f"{plugins} 中缺少 Qt 插件：{'、'.join(absent)}")
    application = widgets.QApplication.instance() or widgets.QApplication(["lianjie", "-platform", "offscreen"])
    icon = gui.QIcon(str(resources_dir() / "ui" / "icons" / "emblem.svg"))
    if icon.pixmap(64, 64).isNull():
        raise RuntimeError("SVG 图标无法绘制（QtSvg 或 iconengines 插件不可用）")
    printer = modules["QtPrintSupport"].QPrinter()
    modules["QtPdf"].QPdfDocument()
    modules["QtCharts"].QChart()
    return (
        f"Qt {core.qVersion()}，平台 {application.platformName()}，可用平台插件 {len(platforms)} 个"
        f"（含 {'、'.join(wanted)}），SVG 图标、打印（{printer.outputFormat().name}）、PDF 预览、图表可用"
    )


def check_config(ctx: CheckContext) -> str:
    """The terminal's configuration reads; where its data is (read only, nothing is created)."""
    config = load_config(ctx.data_dir)
    directory = config.data_dir
    if not directory.exists():
        state = "尚未创建（首次登录时创建）"
    elif config.store_path.exists():
        size = config.store_path.stat().st_size / 1024 / 1024
        state = f"已有加密数据库 store.db（{size:.1f} MB）"
    else:
        state = "已存在，尚无数据库"
    return f"数据目录 {directory}：{state}；密钥环策略 {config.keyring_policy}"


def _store_round_trip(config: TerminalConfig, key: bytes, value: str) -> tuple[str, str, str]:
    from app.models.store import open_store

    def create_and_write(session: Session) -> None:
        session.execute(text("CREATE TABLE self_check (value TEXT NOT NULL)"))
        session.execute(text("INSERT INTO self_check (value) VALUES (:value)"), {"value": value})

    def read_back(session: Session) -> tuple[str, str, str]:
        stored = session.execute(text("SELECT value FROM self_check")).scalar_one()
        cipher = session.execute(text("PRAGMA cipher_version")).scalar_one()
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        return str(stored), str(cipher), str(revision)

    with open_store(config, key, create=True) as store:
        store.write(create_and_write)
        if store.integrity_errors():
            raise RuntimeError(f"完整性检查未通过：{store.integrity_errors()}")
    with open_store(config, key) as store:
        return store.read(read_back)


def _opens_with_wrong_key(config: TerminalConfig) -> bool:
    import sqlcipher3

    from app.models.store import open_store

    # SQLCipher logs the refused key to stderr (a process-wide setting): silence it, IT staff would read it as a fault.
    probe = sqlcipher3.connect(":memory:")
    level = str(probe.execute("PRAGMA cipher_log_level").fetchone()[0])
    probe.execute("PRAGMA cipher_log_level = NONE")
    try:
        open_store(config, secrets.token_bytes(32)).close()
    except AppError:
        return False
    finally:
        probe.execute(f"PRAGMA cipher_log_level = {level}")
        probe.close()
    return True


def check_store(ctx: CheckContext) -> str:
    """Create, write, close, reopen and read an encrypted store with a random key; a wrong key is refused."""
    config = TerminalConfig(data_dir=ctx.workdir / "store")
    value = f"自检-{uuid.uuid4()}"
    key = secrets.token_bytes(32)
    stored, cipher, revision = _store_round_trip(config, key, value)
    if stored != value:
        raise RuntimeError("写入的数据读回不一致")
    if config.store_path.read_bytes()[:16] == b"SQLite format 3\x00":
        raise RuntimeError("数据库文件未加密（明文 SQLite 文件头）")
    if _opens_with_wrong_key(config):
        raise RuntimeError("错误的密钥竟能打开数据库")
    return f"SQLCipher {cipher}，数据库结构升级至 {revision}，加密读写正常，错误密钥被拒绝"


def _credit_code(body: str) -> str:
    return body + uscc_check_character(body)


def check_packet(ctx: CheckContext) -> str:
    """A throwaway CA issues an operator certificate; a packet signed with it verifies, and a tampered copy fails."""
    from app.crypto.keys import SoftwareKey
    from app.crypto.pki.ca import CertificateAuthority
    from app.crypto.pki.material import generate_private_key
    from app.crypto.profile import Holder
    from app.sync.packet import ChainValidator, PacketRejected, PacketVerifier, build_packet

    authority = CertificateAuthority.create(
        ctx.workdir / "ca",
        root_name="衔接终端自检根证书",
        organization="衔接终端自检",
        passphrase=secrets.token_bytes(16),
    )
    sender, recipient = _credit_code("91640104" + "123456789"), _credit_code("11640104" + "987654321")
    key = generate_private_key("p256")
    holder = Holder("自检操作员", "衔接终端自检单位", agency_code=sender, operator_id="SELFCHECK01")
    certificate = authority.issue("operator", holder, key.public_key(), days=1)
    signer = SoftwareKey(key, certificate, authority.intermediates)
    built = build_packet(
        signer, kind="self_check", case_id=f"SELFCHECK-{uuid.uuid4()}", recipients=[recipient], payload={"检查": "自检"}
    )
    verifier = PacketVerifier(ChainValidator(roots=[authority.root], crls=[authority.crl()]))
    verified = verifier.verify(built.data)
    if verified.manifest_sha256 != built.manifest_sha256 or verified.signer.agency_code != sender:
        raise RuntimeError("验证结果与签名内容不一致")
    tampered = built.data.replace("自检".encode(), "篡改".encode(), 1)
    try:
        verifier.verify(tampered)
    except PacketRejected:
        pass
    else:
        raise RuntimeError("被篡改的数据包竟通过了验证")
    return f"临时证书机构签发操作员证书，数据包（{len(built.data)} 字节）CMS 签名验证通过，篡改后被拒绝"


def check_document(ctx: CheckContext) -> str:
    """Render a sample formal document to PDF with the fonts this machine has."""
    from app.documents.catalog import TEMPLATES
    from app.documents.render import DocumentRenderer
    from app.documents.samples import all_samples

    renderer = DocumentRenderer()
    template = TEMPLATES[SAMPLE_TEMPLATE]
    pdf = renderer.render(template.build(all_samples()[SAMPLE_TEMPLATE]))
    if not pdf.startswith(b"%PDF-"):
        raise RuntimeError("生成的文件不是 PDF")
    (ctx.workdir / f"{SAMPLE_TEMPLATE}.pdf").write_bytes(pdf)
    fonts = [f"{role.value} {chain.primary.path.name}" for role, chain in renderer.chains.items()]
    substitutes = sum(chain.primary.is_substitute for chain in renderer.chains.values())
    note = f"，其中 {substitutes} 种为开源代用字体（建议安装公文标准字体）" if substitutes else ""
    return f"《{template.name}》{len(pdf) // 1024} KB；字体：{'、'.join(fonts)}{note}"


def check_keyring(ctx: CheckContext) -> str:
    """The OS keyring backends are bundled; report whether the policy's keyring is usable here (never fails)."""
    import keyring

    from app.crypto.keyslot_errors import KeyringUnavailable
    from app.crypto.machine_secret import require_native_backend

    entries = {ep.name for ep in importlib.metadata.entry_points(group="keyring.backends")}
    if NATIVE_KEYRING_ENTRY not in entries:
        found = "、".join(sorted(entries)) or "无"
        raise RuntimeError(f"安装包缺少密钥环后端 {NATIVE_KEYRING_ENTRY}（keyring 元数据缺失），已有：{found}")
    try:
        policy = load_config(ctx.data_dir).keyring_policy
    except AppError:
        policy = "native"
    if policy == "development-file":
        raise CheckNotice("配置为开发用明文密钥环文件（development-file），生产终端不得使用此配置")
    backend: Any = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    try:
        require_native_backend(backend)
    except KeyringUnavailable as exc:
        raise CheckNotice(
            f"当前会话没有可用的系统密钥环（{name}）：{exc.user_message}"
            "无桌面会话时（远程命令行）属正常；操作员须在桌面会话中登录终端"
        ) from exc
    return f"系统密钥环可用：{name}"


CHECKS: tuple[tuple[str, Check], ...] = (
    ("运行环境", check_environment),
    ("资源文件", check_resources),
    ("模块导入", check_imports),
    ("Qt 组件", check_qt),
    ("终端配置", check_config),
    ("加密存储", check_store),
    ("数据包签名", check_packet),
    ("公文生成", check_document),
    ("密钥环", check_keyring),
)


def _run_one(name: str, check: Check, ctx: CheckContext) -> CheckResult:
    started = time.monotonic()
    try:
        detail, status = check(ctx), PASSED
    except CheckNotice as notice:
        detail, status = str(notice), NOTICE
    except AppError as exc:
        detail, status = f"{exc.for_operator()}（{exc}）", FAILED
    except Exception as exc:
        detail, status = f"{type(exc).__name__}: {exc}", FAILED
        if os.environ.get("LIANJIE_SELF_CHECK_TRACE"):
            traceback.print_exc()
    return CheckResult(name, status, detail, time.monotonic() - started)


def run_checks(
    data_dir: Path | None = None, checks: Sequence[tuple[str, Check]] | None = None, out: TextIO | None = None
) -> list[CheckResult]:
    """Run ``checks`` (default ``CHECKS``) in a private temporary folder; print each line to ``out`` as it completes."""
    results: list[CheckResult] = []
    checks = CHECKS if checks is None else checks
    with tempfile.TemporaryDirectory(prefix="lianjie-self-check-") as scratch:
        ctx = CheckContext(workdir=Path(scratch), data_dir=data_dir)
        for name, check in checks:
            result = _run_one(name, check, ctx)
            results.append(result)
            if out is not None:
                print(result.line(), file=out, flush=True)
    return results


def run_self_check(data_dir: Path | None = None, out: TextIO | None = None) -> int:
    """Print one line per check and a summary; 0 when nothing failed, 1 otherwise."""
    stream = out if out is not None else sys.stdout
    print(f"衔接终端自检（{__version__}）", file=stream, flush=True)
    results = run_checks(data_dir, out=stream)
    failed = [r.name for r in results if r.status == FAILED]
    notices = [r.name for r in results if r.status == NOTICE]
    if failed:
        print(f"自检结果：{len(failed)} 项失败（{'、'.join(failed)}），共 {len(results)} 项", file=stream)
        return 1
    extra = f"，{len(notices)} 项提示（{'、'.join(notices)}）" if notices else ""
    print(f"自检结果：全部通过，共 {len(results)} 项{extra}", file=stream)
    return 0

"""``lianjie demo``: a demo terminal in a temporary folder, and the desktop application on it.

``lianjie demo`` builds the demo world (app/demo: PKI, the embedded platform on loopback TLS, the terminals of
兴庆区市场监督管理局, 银川市公安局兴庆区分局 and 兴庆区人民检察院 seeded through the services) and opens the window,
with a bar on the login window to switch terminals. ``--headless --out DIR`` runs the scripted scenario instead.
``--screenshots DIR`` keeps the single-terminal demo with thousands of cases (``build_demo_terminal``, also used
by ``bench/ui.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from app.config import CONFIG_FILE_NAME, TerminalConfig, load_config
from app.crypto.pki.ca import CertificateAuthority
from app.crypto.pki.material import write_pkcs12
from app.crypto.profile import Holder
from app.crypto.signers import Pkcs12Signer
from app.domain.lifecycle.state import CaseStage
from app.files import atomic_write_text
from app.models.cases import search_body
from app.models.tables import CASES_FTS_TABLE, Case
from app.services.enrollment import enroll_terminal
from app.services.identity import list_candidates
from app.services.login import LoginService
from app.ui.app import run_gui
from app.ui.screenshots import take_screenshots

if TYPE_CHECKING:
    from app.demo.seed import Seeded
    from app.demo.world import DemoWorld

DEMO_PIN = "123456"
DEMO_AGENCY_CODE = "11640100MB00000012"
DEMO_AGENCY_NAME = "银川市兴庆区市场监督管理局"
DEMO_OPERATOR = ("王丽", "XQSJ0007")
CA_PASSPHRASE = b"demo-ca-passphrase"

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬鹏辉建国志文斌海波"
FIRMS = ("宏达商贸有限公司", "兴庆建材有限公司", "塞上食品厂", "贺兰山化工有限公司", "凤城物流有限公司", "金凤药房")
CASE_TYPES = (
    "销售伪劣产品",
    "假冒注册商标",
    "非法经营",
    "无照经营",
    "食品安全",
    "药品安全",
    "虚假广告",
    "计量违法",
    "价格违法",
    "特种设备安全",
)
STAGE_WEIGHTS = (
    (CaseStage.ADMINISTRATIVE, 60),
    (CaseStage.TRANSFER_REPORTED, 4),
    (CaseStage.TRANSFER_APPROVED, 3),
    (CaseStage.TRANSFERRED, 4),
    (CaseStage.ACCEPTED, 4),
    (CaseStage.FILED, 8),
    (CaseStage.NOT_FILED, 4),
    (CaseStage.RECONSIDERING, 2),
    (CaseStage.SUPERVISION_REQUESTED, 2),
    (CaseStage.FILING_NOTICED, 1),
    (CaseStage.PROSECUTION_REVIEW, 3),
    (CaseStage.INDICTED, 2),
    (CaseStage.JUDGED, 3),
)


@dataclass(frozen=True)
class DemoTerminal:
    """An enrolled demo terminal: its configuration, the operator's PKCS#12 file and PIN."""

    config: TerminalConfig
    operator_p12: Path
    pin: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--headless", action="store_true", help="不打开窗口，运行脚本化场景")
    parser.add_argument("--out", help="场景输出目录（与 --headless 一起使用）")
    parser.add_argument("--cases", type=int, default=3000, help="截图用演示终端预置的案件数（默认 3000）")
    parser.add_argument("--history", type=int, default=300, help="市场监管局终端预置的历史案件数（默认 300）")
    parser.add_argument("--screenshots", metavar="DIR", help="驱动界面并把主要界面截图保存到 DIR（PNG）")


def run(args: argparse.Namespace) -> int:
    if args.headless:
        return _run_headless(args)
    root = Path(tempfile.mkdtemp(prefix="lianjie-demo-"))
    if args.screenshots:
        print(f"正在生成演示终端：{root}")
        demo = build_demo_terminal(root, cases=args.cases)
        for path in take_screenshots(demo.config, demo.pin, Path(args.screenshots)):
            print(path)
        return _world_screenshots(root / "world", Path(args.screenshots), history=args.history)
    return _run_world(root, history=args.history)


def _run_world(root: Path, *, history: int) -> int:
    """The demo world: platform, three terminals seeded through the services; the window on the first terminal
    with a bar to switch to the others. The platform stops when the window closes."""
    from app.ui.demo_switch import DemoTerminalChoice

    print(f"正在生成演示环境（平台与三家成员单位及领导小组办公室终端）：{root}")
    print("各终端的机器密钥保存在演示目录 keyrings/ 下的开发用密钥文件中（仅限演示，不是操作系统密钥环）。")
    started = time.monotonic()
    world, _seeded = _seeded_world(root, history=history)
    try:
        print(
            f"演示环境已就绪（{time.monotonic() - started:.1f} 秒）。平台：{world.platform.url}；PIN 码均为 {DEMO_PIN}"
        )
        choices = [DemoTerminalChoice(t.agency.name, t.config) for t in world.terminals.values()]
        return run_gui(choices[0].config, demo_pin=DEMO_PIN, demo_terminals=choices)
    finally:
        world.close()


def _world_screenshots(root: Path, out: Path, *, history: int) -> int:
    """The main screens of the seeded demo world (app/ui/demo_screenshots.py), after the single-terminal ones."""
    from app.ui.demo_screenshots import take_world_screenshots

    print(f"正在生成演示环境并截图：{root}")
    world, seeded = _seeded_world(root, history=history)
    try:
        for path in take_world_screenshots(world, seeded, out):
            print(path)
    finally:
        world.close()
    return 0


def _seeded_world(root: Path, *, history: int) -> tuple[DemoWorld, Seeded]:
    """The interactive demo world, seeded through the services, plus ``history`` bulk cases on the regulator's."""
    from app.demo.agencies import ENFORCEMENT, INTERACTIVE_AGENCIES
    from app.demo.seed import seed_world
    from app.demo.world import DemoWorld

    logging.getLogger("app.crypto.machine_secret").setLevel(logging.ERROR)  # said once, in Chinese, by the caller
    world = DemoWorld.build(root, INTERACTIVE_AGENCIES)
    try:
        seeded = seed_world(world)
        if history > 0:
            with world.terminal(ENFORCEMENT).acting(sync=False) as acting:
                acting.session.store.write(lambda s: seed_cases(s, history, ENFORCEMENT.code))
    except BaseException:
        world.close()
        raise
    return world, seeded


def _run_headless(args: argparse.Namespace) -> int:
    from app.demo.scenario import run_scenario

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="lianjie-scenario-"))
    print(f"正在运行演示场景：{out}")
    result = run_scenario(out)
    print(f"步骤 {result.steps} 个，报文 {result.packets} 个，文书 {result.documents} 份")
    print(f"场景记录：{out / 'scenario.json'}")
    if not result.ok:
        print(f"演示场景失败：{result.error}")
        return 1
    print("演示场景全部步骤成功。")
    return 0


def build_demo_terminal(root: Path, *, cases: int = 3000, seed: int = 2018) -> DemoTerminal:
    """Build an enrolled terminal under ``root`` (CA, terminal, one PKCS#12 operator) holding ``cases`` cases."""
    root.mkdir(parents=True, exist_ok=True)
    ca = CertificateAuthority.create(
        root / "ca", root_name="两法衔接平台根证书（演示）", organization="两法衔接平台", passphrase=CA_PASSPHRASE
    )
    data_dir = root / "terminal"
    data_dir.mkdir(exist_ok=True)
    keyring = root / "machine-keyring.json"
    atomic_write_text(
        data_dir / CONFIG_FILE_NAME,
        f'keyring_policy = "development-file"\ndevelopment_keyring_file = "{keyring.as_posix()}"\n'
        'platform_url = "https://platform.example.gov.cn:8443"\nidle_lock_minutes = 10\n',
        mode=0o644,
    )
    config = load_config(data_dir)
    terminal_key = ec.generate_private_key(ec.SECP256R1())
    terminal_holder = Holder(common_name="XQ-SCJG-01", agency_name=DEMO_AGENCY_NAME, agency_code=DEMO_AGENCY_CODE)
    terminal_cert = ca.issue("terminal", terminal_holder, terminal_key.public_key(), days=730)
    name, operator_id = DEMO_OPERATOR
    operator_key = ec.generate_private_key(ec.SECP256R1())
    holder = Holder(
        common_name=name, agency_name=DEMO_AGENCY_NAME, agency_code=DEMO_AGENCY_CODE, operator_id=operator_id
    )
    operator_cert = ca.issue("operator", holder, operator_key.public_key(), days=730)
    p12 = root / "operator-wangli.p12"
    write_pkcs12(p12, operator_key, operator_cert, [ca.root], DEMO_PIN.encode(), name)
    enroll_terminal(
        config,
        platform_roots_pem=ca.root.public_bytes(serialization.Encoding.PEM),
        terminal_bundle=Pkcs12Signer(terminal_key, terminal_cert),
        first_operator=Pkcs12Signer.from_file(p12, DEMO_PIN),
        first_operator_pkcs12=p12,
        crl=ca.crl().public_bytes(serialization.Encoding.PEM),
    )
    if cases > 0:
        (candidate,) = list_candidates(config, None)
        session = LoginService(config).login(candidate, lambda request: DEMO_PIN)
        try:
            session.store.write(lambda s: seed_cases(s, cases, DEMO_AGENCY_CODE, seed=seed))
        finally:
            session.lock("manual")
    return DemoTerminal(config, p12, DEMO_PIN)


def seed_cases(session: Session, count: int, agency_code: str, *, seed: int = 2018, batch: int = 5000) -> int:
    """Insert ``count`` plausible cases with their search terms in batches (one statement per batch)."""
    rng = random.Random(seed)
    start = int(session.scalar(select(func.max(Case.seq))) or 0) + 1
    stages = [stage.value for stage, _ in STAGE_WEIGHTS]
    weights = [weight for _, weight in STAGE_WEIGHTS]
    base = dt.datetime(2019, 1, 2, 1, 0, tzinfo=dt.UTC)
    span = (dt.datetime.now(dt.UTC) - base).total_seconds()
    fts = text(f"INSERT INTO {CASES_FTS_TABLE} (rowid, body) VALUES (:rowid, :body)")
    for first in range(0, count, batch):
        rows: list[dict[str, object]] = []
        terms: list[dict[str, object]] = []
        for index in range(first, min(first + batch, count)):
            seq = start + index
            created = base + dt.timedelta(seconds=span * (index + 1) / (count + 1))
            values = _plausible_case(rng, seq, created.year, agency_code, stages, weights)
            values.update(seq=seq, created_at=created, updated_at=created)
            occurred = created.date() - dt.timedelta(days=rng.randint(3, 90))
            values["occurred_on"] = occurred
            rows.append(values)
            terms.append({"rowid": seq, "body": search_body(Case(**values))})
        session.execute(insert(Case), rows)
        session.execute(fts, terms)
    return count


def _plausible_case(
    rng: random.Random, seq: int, year: int, agency_code: str, stages: list[str], weights: list[int]
) -> dict[str, object]:
    person = rng.random() < 0.55
    if person:
        party = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 16000))
        id_number = f"640104{birth:%Y%m%d}{rng.randint(0, 999):03d}{rng.choice('0123456789X')}"
    else:
        party = rng.choice(("宁夏", "银川", "兴庆区")) + rng.choice(FIRMS)
        id_number = f"91640104MA{rng.randint(10, 99)}{rng.choice('ABCDEFGHJK')}{rng.randint(100000, 999999)}"
    case_type = rng.choice(CASE_TYPES)
    return {
        "id": f"00000000-0000-4000-8000-{seq:012d}",
        "agency_code": agency_code,
        "case_number": f"兴市监罚〔{year}〕{seq}号",
        "title": f"{party}涉嫌{case_type}案",
        "party_name": party,
        "party_id_number": id_number,
        "case_type": case_type,
        "stage": rng.choices(stages, weights)[0],
        "amount_fen": rng.randint(5, 400_000) * 100 + rng.choice((0, 0, 50)),
    }

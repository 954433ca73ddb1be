"""``lianjie doc``: render a formal document to PDF, list the document types, show the fonts in use.

``render TYPE --fields FILE.json --out FILE.pdf`` renders from a JSON file of the template's fields;
``render TYPE --case CASE_ID --out FILE.pdf`` renders from the case's records in the encrypted store, unlocked as
``lianjie audit`` does (``--master-key-file`` or ``--recovery-key``): the latest issued copy of that document if one
was issued, else a draft (a blank serial where a 文号 would be allocated). Scripts never allocate numbers.
"""

from __future__ import annotations

import argparse
import getpass
import json
import platform
from datetime import datetime
from pathlib import Path

from app.commands.audit import (
    MasterKeySource,
    MasterKeyUnavailable,
    master_key_from_file,
    master_key_from_recovery_prompt,
)
from app.config import load_config
from app.documents.catalog import TEMPLATES, template
from app.documents.errors import InvalidFields
from app.documents.fields_json import fields_from_json, fields_to_json
from app.documents.render import DocumentRenderer
from app.documents.samples import all_samples
from app.documents.watermark import Watermark
from app.domain.screening import load_rules
from app.files import atomic_write_bytes, atomic_write_text
from app.models.store import open_store
from app.services.documents import default_rules, render_case_document


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands: render, types, sample, fonts."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    render = sub.add_parser("render", help="生成文书 PDF")
    render.add_argument("type", metavar="TYPE", help="文书类型（见 lianjie doc types）")
    source = render.add_mutually_exclusive_group(required=True)
    source.add_argument("--case", metavar="CASE_ID", help="按案件记录生成（需解锁本地数据库）")
    source.add_argument("--fields", metavar="FILE.json", type=Path, help="文书内容 JSON 文件")
    render.add_argument("--out", metavar="FILE.pdf", type=Path, required=True, help="输出文件")
    render.add_argument("--watermark", nargs=2, metavar=("OPERATOR", "AGENCY"), help="复印件水印：操作员 单位")
    render.add_argument("--event", metavar="EVENT_ID", help="按案件生成时，指定据以生成文书的记录（默认最新一条）")
    render.add_argument(
        "--rules", metavar="FILE.toml", type=Path, help="以罚代刑筛查规则文件（罪名名称；默认随程序发布）"
    )
    how = render.add_mutually_exclusive_group()
    how.add_argument(
        "--master-key-file", type=Path, metavar="FILE", help="含主密钥（十六进制）的文件，仅供系统管理员和测试使用"
    )
    how.add_argument("--recovery-key", action="store_true", help="输入本终端的恢复密钥解锁（不回显）")
    sub.add_parser("types", help="列出文书类型")
    sample = sub.add_parser("sample", help="输出某类文书的样例内容 JSON")
    sample.add_argument("type", metavar="TYPE")
    sample.add_argument("--out", metavar="FILE.json", type=Path)
    sub.add_parser("fonts", help="显示本机各字体角色使用的字体文件")


def run(args: argparse.Namespace) -> int:
    """Dispatch the chosen action; errors surface as ``AppError`` for the CLI to print."""
    if args.action == "types":
        for key, tpl in TEMPLATES.items():
            print(f"{key}\t{tpl.name}")
        return 0
    if args.action == "sample":
        template(args.type)
        text = json.dumps(fields_to_json(all_samples()[args.type]), ensure_ascii=False, indent=2)
        if args.out:
            atomic_write_text(args.out, text + "\n", mode=0o644)
        else:
            print(text)
        return 0
    renderer = DocumentRenderer()
    if args.action == "fonts":
        for role, chain in renderer.chains.items():
            font = chain.primary
            kind = "代用" if font.is_substitute else "标准"
            print(f"{role.value}\t{kind}\t{font.postscript_name}\t{font.path}")
        return 0
    tpl = template(args.type)
    if args.case:
        return _render_case(args, renderer)
    try:
        data = json.loads(Path(args.fields).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidFields(f"无法读取 {args.fields}（{exc.__class__.__name__}）") from exc
    fields = fields_from_json(tpl.fields_type, data)
    mark = Watermark(args.watermark[0], args.watermark[1], datetime.now()) if args.watermark else None
    pdf = renderer.render(tpl.build(fields), mark)
    atomic_write_bytes(args.out, pdf, mode=0o640)
    print(f"已生成 {tpl.name}：{args.out}（{len(pdf)} 字节）")
    return 0


class CaseSourceUnavailable(MasterKeyUnavailable):
    """``--case`` without a way to unlock the store that holds the case."""

    user_message = "按案件生成文书需要解锁本地数据库。"


def _key_source(args: argparse.Namespace) -> MasterKeySource:
    if args.master_key_file is not None:
        return master_key_from_file(args.master_key_file)
    if args.recovery_key:
        return master_key_from_recovery_prompt
    raise CaseSourceUnavailable("doc render --case needs a master key source")


def _render_case(args: argparse.Namespace, renderer: DocumentRenderer) -> int:
    """``render TYPE --case CASE_ID``: from the store, through the document service (audited as a print)."""
    tpl = template(args.type)
    rules = load_rules(args.rules) if args.rules else default_rules()
    mark = Watermark(args.watermark[0], args.watermark[1], datetime.now()) if args.watermark else None
    source = _key_source(args)
    data_dir = getattr(args, "data_dir", None)
    config = load_config(Path(data_dir) if data_dir else None)
    with open_store(config, source(config)) as store:
        pdf = render_case_document(
            store, args.case, tpl.key, renderer=renderer, rules=rules, operator=f"cli:{getpass.getuser()}",
            terminal=platform.node(), event_id=args.event, watermark=mark,
        )  # fmt: skip
    atomic_write_bytes(args.out, pdf, mode=0o640)
    print(f"已生成 {tpl.name}：{args.out}（{len(pdf)} 字节）")
    return 0

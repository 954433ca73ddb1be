"""``lianjie doc``: render a formal document to PDF, list the document types, show the fonts in use.

``render TYPE --fields FILE.json --out FILE.pdf`` renders from a JSON file of the template's fields;
``--case CASE_ID`` (fields from the case's events in the store) is accepted but not yet wired.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from app.documents.catalog import TEMPLATES, template
from app.documents.errors import InvalidFields
from app.documents.fields_json import fields_from_json, fields_to_json
from app.documents.render import DocumentRenderer
from app.documents.samples import all_samples
from app.documents.watermark import Watermark
from app.domain.errors import AppError
from app.files import atomic_write_bytes, atomic_write_text


class CaseSourceUnavailable(AppError):
    user_message = "按案件生成文书需要案件库，当前版本尚未接入。"
    next_step = "请使用 --fields 指定文书内容文件（可用 lianjie doc sample TYPE 生成样例）。"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands: render, types, sample, fonts."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    render = sub.add_parser("render", help="生成文书 PDF")
    render.add_argument("type", metavar="TYPE", help="文书类型（见 lianjie doc types）")
    source = render.add_mutually_exclusive_group(required=True)
    source.add_argument("--case", metavar="CASE_ID", help="按案件事件生成（尚未接入案件库）")
    source.add_argument("--fields", metavar="FILE.json", type=Path, help="文书内容 JSON 文件")
    render.add_argument("--out", metavar="FILE.pdf", type=Path, required=True, help="输出文件")
    render.add_argument("--watermark", nargs=2, metavar=("OPERATOR", "AGENCY"), help="复印件水印：操作员 单位")
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
        raise CaseSourceUnavailable(f"--case {args.case}: the case store is not wired yet")
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

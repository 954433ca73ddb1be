"""Builders shared by the templates: the 公文 (letter/notice) shape and the ministry form shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.documents.content import Issue
from app.documents.model import (
    Addressee,
    Align,
    Attachments,
    BlankLines,
    Block,
    Document,
    FieldList,
    FieldRow,
    FormHeader,
    Heading,
    Imprint,
    Note,
    Paragraph,
    Part,
    RedHeader,
    Signature,
    Title,
)


@dataclass(frozen=True)
class Section:
    """A headed section of a report: “一、…” in 黑体 followed by paragraphs."""

    heading: str
    paragraphs: tuple[str, ...]


def body_blocks(paragraphs: Sequence[str | Section]) -> list[Block]:
    """Paragraphs and numbered sections (7.3.3: 一、 in 黑体)."""
    numerals = "一二三四五六七八九十"
    blocks: list[Block] = []
    section_no = 0
    for item in paragraphs:
        if isinstance(item, Section):
            blocks.append(Heading(f"{numerals[section_no]}、{item.heading}"))
            section_no += 1
            blocks += [Paragraph(p) for p in item.paragraphs]
        else:
            blocks.append(Paragraph(item))
    return blocks


def official_document(
    *,
    issue: Issue,
    mark: str,
    title: str,
    addressee: str,
    body: Sequence[str | Section],
    attachments: Sequence[str] = (),
    copy_to: Sequence[str] = (),
    printed_by: str = "",
    sealed: bool = True,
) -> Document:
    """A 公文 in 文件格式 (GB/T 9704 7): red header, title, addressee, body, signature, 附注 and 版记."""
    blocks: list[Block] = [Title(title), BlankLines(1)]
    if addressee:
        blocks.append(Addressee(f"{addressee}："))
    blocks += body_blocks(body)
    if attachments:
        blocks.append(Attachments(tuple(attachments)))
    blocks.append(Signature(issue.issuer, issue.date_text, sealed=sealed))
    if issue.contact:
        blocks.append(Note(f"（{issue.contact}）"))
    imprint = Imprint(printed_by or issue.issuer, issue.date_text, "，".join(copy_to) + "。" if copy_to else "")
    part = Part(tuple(blocks), header=RedHeader(mark, issue.number), imprint=imprint)
    return Document(title, (part,), author=issue.issuer)


def plain_document(*, title: str, blocks: Sequence[Block], author: str) -> Document:
    """A document without 版头 (report, list, table): title on the first line of the type area."""
    return Document(title, (Part((Title(title), BlankLines(1), *blocks)),), author=author)


@dataclass(frozen=True)
class FormSpec:
    """The parts of a ministry form: 存根 rows, 正本 text, and an optional 回执."""

    agency: str
    title: str
    number: str
    stub: tuple[FieldRow, ...]
    addressee: str
    body: tuple[str, ...]
    signer: str
    date_text: str
    after_signature: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    receipt_title: str = ""
    receipt_agency: str = ""
    receipt_body: tuple[str, ...] = ()
    receipt_rows: tuple[FieldRow, ...] = ()


def form_document(spec: FormSpec) -> Document:
    """存根 + 正本 (+ 回执), each 联 starting its own page inside the GB/T 9704 type area."""
    stub = Part(
        (FieldList(spec.stub),),
        header=FormHeader(spec.agency, spec.title, spec.number, "（存　根）"),
        page_numbers=False,
    )
    main_blocks: list[Block] = [BlankLines(1), Addressee(f"{spec.addressee}：")]
    main_blocks += [Paragraph(p) for p in spec.body]
    if spec.attachments:
        main_blocks.append(Attachments(spec.attachments))
    main_blocks.append(Signature(spec.signer, spec.date_text))
    main_blocks += [Paragraph(p, indent=0, align=Align.LEFT) for p in spec.after_signature]
    main = Part(tuple(main_blocks), header=FormHeader(spec.agency, spec.title, spec.number), page_numbers=True)
    parts = [stub, main]
    if spec.receipt_title:
        receipt_blocks: list[Block] = [BlankLines(1), Addressee(f"{spec.signer}：")]
        receipt_blocks += [Paragraph(p) for p in spec.receipt_body]
        receipt_blocks += [BlankLines(1), FieldList(spec.receipt_rows, label_chars=6)]
        parts.append(
            Part(
                tuple(receipt_blocks),
                header=FormHeader(spec.receipt_agency, spec.receipt_title, spec.number, "（回　执）"),
                page_numbers=False,
            )
        )
    return Document(spec.title, tuple(parts), author=spec.agency)

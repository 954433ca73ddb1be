"""The document model the templates build and the layout engine draws: parts made of blocks.

Templates produce these from typed fields; nothing here knows about cases or the store.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from app.documents.fonts import FontRole
from app.documents.geometry import SIZE_2HAO, SIZE_3HAO, SIZE_4HAO


class Align(enum.Enum):
    """Horizontal alignment of a block's lines."""

    JUSTIFY = "justify"  # full lines 撑满 the measure; the paragraph's last line flush left
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Paragraph:
    """Running text on the 22-line grid; ``indent`` and ``hanging`` are in body characters (7.3.3: 左空二字)."""

    text: str
    role: FontRole = FontRole.BODY
    size: float = SIZE_3HAO
    indent: float = 2.0
    hanging: float = 0.0
    right_indent: float = 0.0
    align: Align = Align.JUSTIFY
    red: bool = False


@dataclass(frozen=True)
class Title:
    """The document title (7.3.1): 2号 小标宋, centred, on as many lines as it needs."""

    text: str
    size: float = SIZE_2HAO
    role: FontRole = FontRole.TITLE


@dataclass(frozen=True)
class Heading:
    """A structural heading (7.3.3): level 1 黑体 “一、”, level 2 楷体 “（一）”, levels 3–4 仿宋."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Addressee:
    """主送机关 (7.3.2): flush left, ends with a full-width colon."""

    text: str


@dataclass(frozen=True)
class FieldRow:
    """One labelled line of a form: the label is spaced out to ``label_chars`` and the value hangs after it."""

    label: str
    value: str


@dataclass(frozen=True)
class FieldList:
    """Labelled rows as on the ministries' forms (存根, 回执); values wrap aligned after the colon."""

    rows: tuple[FieldRow, ...]
    label_chars: int = 4
    label_role: FontRole = FontRole.BODY
    indent: float = 0.0


@dataclass(frozen=True)
class Attachments:
    """附件说明 (7.3.4): “附件：1.名称”, names aligned on their first character; no trailing punctuation."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Signature:
    """署名, 成文日期 and the seal's place (7.3.5.1): date 右空四字, the signer centred over the date.

    ``sealed`` leaves the lines above free for the seal, which must reach within one line of the text.
    """

    signer: str
    date_text: str
    sealed: bool = True


@dataclass(frozen=True)
class Note:
    """附注 (7.3.6): in parentheses, 左空二字, the line after the date."""

    text: str


@dataclass(frozen=True)
class BlankLines:
    """Empty grid lines."""

    count: int = 1


@dataclass(frozen=True)
class PageBreak:
    """Continue on a new page."""


@dataclass(frozen=True)
class Column:
    """A table column: header text, relative width and alignment of its cells."""

    header: str
    weight: float = 1.0
    align: Align = Align.LEFT


@dataclass(frozen=True)
class Table:
    """A ruled table that breaks between rows and repeats its header row on every page."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    size: float = SIZE_4HAO
    header_role: FontRole = FontRole.HEI


Block = (
    Paragraph
    | Title
    | Heading
    | Addressee
    | FieldList
    | Attachments
    | Signature
    | Note
    | BlankLines
    | PageBreak
    | Table
)


@dataclass(frozen=True)
class RedHeader:
    """版头 of the 文件格式 (7.2): red 发文机关标志, 文号 two lines below, red rule 4 mm below the 文号."""

    issuer_mark: str
    number: str


@dataclass(frozen=True)
class FormHeader:
    """Head of a ministry form (存根, 正本, 回执): agency name, form title, optional part label, 文号 flush right."""

    agency: str
    title: str
    number: str
    part_label: str = ""  # “（存根）”, “（回执）”; empty for the 正本


@dataclass(frozen=True)
class Imprint:
    """版记 (7.4) at the foot of the last page: 抄送 and 印发机关/印发日期 between rules."""

    printed_by: str
    print_date_text: str
    copy_to: str = ""


@dataclass(frozen=True)
class Part:
    """A run of pages: a whole 公文, or one 联 of a form (each 联 starts a new page)."""

    blocks: tuple[Block, ...]
    header: RedHeader | FormHeader | None = None
    imprint: Imprint | None = None
    page_numbers: bool = True


@dataclass(frozen=True)
class Document:
    """What ``render`` turns into a PDF."""

    title: str  # the PDF's metadata title
    parts: tuple[Part, ...]
    author: str = ""
    keywords: tuple[str, ...] = field(default=())

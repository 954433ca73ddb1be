"""Font resolution for the five roles of a formal document, and the one place that touches reportlab's registry.

GB/T 9704-2012 names 小标宋 (标志, title), 仿宋 (body), 楷体 and 黑体 (headings, 7.3.3) and 宋体 (page numbers, 7.5).
Government machines carry the standard fonts; elsewhere open TrueType CJK fonts stand in. reportlab embeds only
TrueType outlines, so CFF-based fonts (Noto CJK) are never candidates. Every font is embedded as a subset.
"""

from __future__ import annotations

import enum
import hashlib
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.documents.errors import FontsUnavailable


class FontRole(enum.Enum):
    """What a font is used for; the value is the standard face GB/T 9704 recommends."""

    TITLE = "小标宋"  # 7.2.3 发文机关标志, 7.3.1 标题
    BODY = "仿宋"  # 7.3.3 正文
    KAI = "楷体"  # 7.3.3 second-level headings
    HEI = "黑体"  # 7.3.3 first-level headings
    SONG = "宋体"  # 7.5 页码


@dataclass(frozen=True)
class FontCandidate:
    """A font file name (matched case-insensitively) that may serve a role."""

    file_name: str
    description: str
    standard: bool  # True: the government font itself (or its 信创 equivalent); False: an open stand-in
    subfont_index: int = 0
    embolden: bool = False  # a light Song standing in for 小标宋 is drawn with a thin stroke


_XBS = "方正小标宋简体"
CANDIDATES: Mapping[FontRole, tuple[FontCandidate, ...]] = {
    FontRole.TITLE: (
        FontCandidate("FZXBSJW.TTF", _XBS, True),
        FontCandidate("方正小标宋简体.ttf", _XBS, True),
        FontCandidate("FZXBSK.TTF", "方正小标宋_GBK", True),
        FontCandidate("CESI_XBS_GB2312.TTF", "CESI小标宋-GB2312", True),
        FontCandidate("CESI_XBS_GB18030.TTF", "CESI小标宋-GB18030", True),
        FontCandidate("gbsn00lp.ttf", "AR PL SungtiL GB（文鼎简报宋，加粗描边代替小标宋）", False, embolden=True),
        FontCandidate("uming.ttc", "AR PL UMing CN（文鼎明体，加粗描边代替小标宋）", False, 0, embolden=True),
    ),
    FontRole.BODY: (
        FontCandidate("仿宋_GB2312.ttf", "仿宋_GB2312", True),
        FontCandidate("FS_GB2312.TTF", "仿宋_GB2312", True),
        FontCandidate("CESI_FS_GB2312.TTF", "CESI仿宋-GB2312", True),
        FontCandidate("simfang.ttf", "仿宋", True),
        FontCandidate("CESI_FS_GB18030.TTF", "CESI仿宋-GB18030", True),
        FontCandidate("gbsn00lp.ttf", "AR PL SungtiL GB（文鼎简报宋，代替仿宋）", False),
        FontCandidate("uming.ttc", "AR PL UMing CN（文鼎明体，代替仿宋）", False, 0),
    ),
    FontRole.KAI: (
        FontCandidate("楷体_GB2312.ttf", "楷体_GB2312", True),
        FontCandidate("KAI_GB2312.TTF", "楷体_GB2312", True),
        FontCandidate("CESI_KT_GB2312.TTF", "CESI楷体-GB2312", True),
        FontCandidate("simkai.ttf", "楷体", True),
        FontCandidate("gkai00mp.ttf", "AR PL KaitiM GB（文鼎简中楷）", False),
        FontCandidate("ukai.ttc", "AR PL UKai CN（文鼎楷体）", False, 0),
        FontCandidate("LXGWWenKai-Regular.ttf", "LXGW WenKai（霞鹜文楷）", False),
    ),
    FontRole.HEI: (
        FontCandidate("simhei.ttf", "黑体", True),
        FontCandidate("CESI_HT_GB2312.TTF", "CESI黑体-GB2312", True),
        FontCandidate("wqy-microhei.ttc", "WenQuanYi Micro Hei（文泉驿微米黑）", False, 0),
        FontCandidate("wqy-zenhei.ttc", "WenQuanYi Zen Hei（文泉驿正黑）", False, 0),
    ),
    FontRole.SONG: (
        FontCandidate("simsun.ttc", "宋体", True, 0),
        FontCandidate("CESI_SS_GB2312.TTF", "CESI宋体-GB2312", True),
        FontCandidate("gbsn00lp.ttf", "AR PL SungtiL GB（文鼎简报宋）", False),
        FontCandidate("uming.ttc", "AR PL UMing CN（文鼎明体）", False, 0),
    ),
}


def default_font_dirs() -> tuple[Path, ...]:
    """Where Windows, UOS/Kylin and Debian keep fonts, plus the user's and the application's own font folders."""
    dirs: list[Path] = [Path(__file__).resolve().parents[2] / "resources" / "fonts"]
    if sys.platform == "win32":
        windir = os.environ.get("WINDIR", r"C:\Windows")
        dirs.append(Path(windir) / "Fonts")
        local = os.environ.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    else:
        home = Path.home()
        dirs += [home / ".local/share/fonts", home / ".fonts", Path("/usr/local/share/fonts"), Path("/usr/share/fonts")]
    return tuple(dirs)


@dataclass(frozen=True)
class ResolvedFont:
    """A font file chosen for a role and registered with reportlab under ``registered_name``."""

    role: FontRole
    path: Path
    candidate: FontCandidate
    registered_name: str
    postscript_name: str

    @property
    def is_substitute(self) -> bool:
        """True when an open font stands in for the government font of this role."""
        return not self.candidate.standard


@dataclass
class FontRegistry:
    """Registers TrueType faces with reportlab once each (reportlab's registry is process-global; only this touches it).

    Idempotent: the registered name is derived from the file and subfont index, so two registries agree.
    """

    _fonts: dict[str, TTFont] = field(default_factory=dict)

    def register(self, path: Path, subfont_index: int) -> TTFont:
        """Load (once) and register the face at ``path``; return the reportlab font."""
        key = "LJ-" + hashlib.sha1(f"{path}#{subfont_index}".encode()).hexdigest()[:12]
        font = self._fonts.get(key)
        if font is not None:
            return font
        try:
            font = pdfmetrics.getFont(key)
        except KeyError:
            font = TTFont(key, str(path), subfontIndex=subfont_index)
            pdfmetrics.registerFont(font)
        self._fonts[key] = font
        return font


def _index_files(dirs: Iterable[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for directory in dirs:
        if not directory.is_dir():
            continue
        for root, _subdirs, files in os.walk(directory):
            for name in files:
                found.setdefault(name.lower(), Path(root) / name)
    return found


@dataclass(frozen=True)
class FontChain:
    """The fonts for one role, best first: the first is the role's face, the rest cover missing glyphs."""

    role: FontRole
    fonts: tuple[ResolvedFont, ...]

    @property
    def primary(self) -> ResolvedFont:
        """The face that sets the role's text."""
        return self.fonts[0]


def resolve_fonts(
    registry: FontRegistry,
    dirs: Sequence[Path] | None = None,
    candidates: Mapping[FontRole, tuple[FontCandidate, ...]] = CANDIDATES,
) -> dict[FontRole, FontChain]:
    """Pick the best available file per role; every other found CJK font follows as glyph fallback."""
    files = _index_files(default_font_dirs() if dirs is None else dirs)
    loaded: dict[tuple[Path, int], TTFont] = {}

    def load(candidate: FontCandidate) -> tuple[Path, TTFont] | None:
        path = files.get(candidate.file_name.lower())
        if path is None:
            return None
        key = (path, candidate.subfont_index)
        if key not in loaded:
            try:
                loaded[key] = registry.register(path, candidate.subfont_index)
            except Exception:  # reportlab raises bare TTFError/others for CFF or corrupt files: skip the file
                return None
        return path, loaded[key]

    chains: dict[FontRole, FontChain] = {}
    for role, role_candidates in candidates.items():
        chosen: list[ResolvedFont] = []
        for candidate in role_candidates:
            hit = load(candidate)
            if hit is not None:
                chosen.append(_resolved(role, hit[0], candidate, hit[1]))
        if not chosen:
            raise FontsUnavailable(role.value)
        chains[role] = FontChain(role, tuple(chosen))
    # Glyph fallback across roles: any font found for another role may cover a rare character.
    everything = [f for chain in chains.values() for f in chain.fonts]
    for role, chain in chains.items():
        extra = [f for f in everything if f.registered_name not in {c.registered_name for c in chain.fonts}]
        unique: dict[str, ResolvedFont] = {f.registered_name: f for f in extra}
        chains[role] = FontChain(role, chain.fonts + tuple(unique.values()))
    return chains


def _resolved(role: FontRole, path: Path, candidate: FontCandidate, font: TTFont) -> ResolvedFont:
    name = font.face.name
    postscript = name.decode("latin-1") if isinstance(name, bytes) else str(name)
    return ResolvedFont(role, path, candidate, font.fontName, postscript)

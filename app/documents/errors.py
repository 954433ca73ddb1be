"""Errors of the documents engine, each with the sentence the operator reads."""

from __future__ import annotations

from collections.abc import Iterable

from app.domain.errors import AppError


class DocumentError(AppError):
    """A formal document could not be produced."""

    user_message = "文书未能生成。"


class MissingGlyphs(DocumentError):
    """Characters that no available font can draw: we refuse rather than print blank boxes."""

    next_step = "请安装包含这些字符的字体（如仿宋_GB2312、方正小标宋简体），或修改文书内容后重试。"

    def __init__(self, characters: Iterable[str]):
        self.characters = tuple(sorted(set(characters)))
        listed = "、".join(f"“{c}”（U+{ord(c):04X}）" for c in self.characters)
        super().__init__(
            f"no glyph in any available font for {len(self.characters)} character(s)",
            user_message=f"本机所有可用字体均缺少以下字符的字形，文书无法正确印制：{listed}。",
        )


class FontsUnavailable(DocumentError):
    """No font at all for a role (the machine has no usable CJK TrueType font)."""

    next_step = "请安装仿宋_GB2312等公文字体，或在 Debian/统信/麒麟系统上安装 fonts-arphic-gbsn00lp 等字体包。"

    def __init__(self, role_name: str):
        super().__init__(
            f"no TrueType font found for role {role_name}",
            user_message=f"本机未找到可用于“{role_name}”的中文字体，文书无法生成。",
        )


class UnknownDocumentType(DocumentError):
    """A document type key that no template implements."""

    def __init__(self, key: str, known: Iterable[str]):
        super().__init__(
            f"unknown document type {key!r}",
            user_message=f"不支持的文书类型“{key}”。",
            next_step=f"可用类型：{'、'.join(known)}。",
        )


class InvalidFields(DocumentError):
    """The fields given for a template are incomplete or malformed."""

    def __init__(self, detail: str):
        super().__init__(f"invalid document fields: {detail}", user_message=f"文书内容不完整或格式有误：{detail}。")


class DocumentTooLong(DocumentError):
    """A single block (a table row, a title) cannot fit on one page."""

    def __init__(self, what: str):
        super().__init__(f"block does not fit on a page: {what}", user_message=f"文书中“{what}”过长，一页无法容纳。")

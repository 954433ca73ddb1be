"""The packet's zip container: one canonical byte layout, and a reader that trusts nothing it is given.

Packets are written STORED (no compression), with fixed timestamps and attributes, by our own small writer: the
result depends on the entries alone, not on the Python or zlib version. The reader therefore requires the archive to
be byte-for-byte what the writer would produce from the entries it read, which makes every bit of the file
significant (a flipped timestamp or attribute bit is refused, not ignored).

Before that, the reader treats the file as hostile: entry count, names (no ``..``, absolute paths, backslashes,
drive letters, symlinks), and sizes counted while streaming (never the declared ones), with a ratio bound for any
compressed entry, so a zip bomb stops after a bounded amount of work.
"""

from __future__ import annotations

import io
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.sync.packet.errors import (
    ArchiveMalformed,
    ArchiveMissingEntry,
    ArchiveNotCanonical,
    ArchiveTooLarge,
    ArchiveUnexpectedEntry,
    ArchiveUnsafePath,
    ArchiveUnsupportedCompression,
    ManifestTooLarge,
)

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.p7s"
ATTACHMENT_PREFIX = "attachments/"
_ATTACHMENT_NAME = re.compile(r"attachments/[0-9a-f]{64}")
_CHUNK = 1 << 16
# What zipfile raises on hostile bytes (it has no single base class for them).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    EOFError,
    ValueError,
    NotImplementedError,
    OSError,
    KeyError,
)

# Fixed header fields of the canonical layout: DOS date 1980-01-01 00:00, made by Unix (3) zip 2.0, mode 0644.
_DOS_TIME = 0
_DOS_DATE = (0 << 9) | (1 << 5) | 1
_VERSION = 20
_MADE_BY = (3 << 8) | _VERSION
_EXTERNAL_ATTR = (stat.S_IFREG | 0o644) << 16
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_RECORD = struct.Struct("<IHHHHHHIIIHHHHHII")
_END_RECORD = struct.Struct("<IHHHHIIH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_SIZE_AND_NAME = struct.Struct("<I4xH")  # compressed size at offset 18, name length at 26


@dataclass(frozen=True)
class ArchiveLimits:
    """Upper bounds for a packet archive; every one is enforced on the bytes actually read."""

    max_archive_bytes: int = 256 * 1024 * 1024
    max_entries: int = 2 + 200
    max_manifest_bytes: int = 1024 * 1024
    max_signature_bytes: int = 256 * 1024
    max_attachment_bytes: int = 128 * 1024 * 1024
    max_total_bytes: int = 256 * 1024 * 1024
    max_compression_ratio: int = 20


def attachment_entry_name(sha256_hex: str) -> str:
    """Where an attachment with this SHA-256 lives inside the archive."""
    return f"{ATTACHMENT_PREFIX}{sha256_hex}"


def canonical_order(names: Iterable[str]) -> list[str]:
    """The order entries appear in: manifest, signature, then attachments by name."""
    rank = {MANIFEST_NAME: 0, SIGNATURE_NAME: 1}
    return sorted(names, key=lambda n: (rank.get(n, 2), n))


def content_offsets(entries: Mapping[str, bytes]) -> dict[str, int]:
    """Where each entry's content starts in ``write_archive(entries)`` (every packet we accept is exactly that)."""
    offsets: dict[str, int] = {}
    position = 0
    for name in canonical_order(entries):
        position += _LOCAL_HEADER.size + len(name)  # names are ASCII: one byte per character
        offsets[name] = position
        position += len(entries[name])
    return offsets


def _local_header(encoded: bytes, crc: int, size: int) -> bytes:
    return _LOCAL_HEADER.pack(
        0x04034B50, _VERSION, 0, 0, _DOS_TIME, _DOS_DATE, crc, size, size, len(encoded), 0
    )  # fmt: skip


def _central_record(encoded: bytes, crc: int, size: int, offset: int) -> bytes:
    return (
        _CENTRAL_RECORD.pack(
            0x02014B50,
            _MADE_BY,
            _VERSION,
            0,
            0,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            size,
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            _EXTERNAL_ATTR,
            offset,
        )
        + encoded
    )


def _end_record(count: int, cd_size: int, cd_offset: int) -> bytes:
    return _END_RECORD.pack(0x06054B50, 0, 0, count, count, cd_size, cd_offset, 0)


def write_archive(entries: Mapping[str, bytes]) -> bytes:
    """The canonical STORED zip of ``entries`` (name → bytes), in canonical order."""
    out = io.BytesIO()
    central: list[bytes] = []
    for name in canonical_order(entries):
        data = entries[name]
        encoded = name.encode("ascii")
        crc = zlib.crc32(data) & 0xFFFFFFFF
        offset = out.tell()
        out.write(_local_header(encoded, crc, len(data)))
        out.write(encoded)
        out.write(data)
        central.append(_central_record(encoded, crc, len(data), offset))
    cd_offset = out.tell()
    for record in central:
        out.write(record)
    out.write(_end_record(len(central), out.tell() - cd_offset, cd_offset))
    return out.getvalue()


def _check_path(raw: str) -> None:
    if not raw or "\\" in raw or "\x00" in raw or raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
        raise ArchiveUnsafePath(f"unsafe entry name {raw!r}", user_message=f"数据包中含有不安全的路径：{raw!r}。")
    parts = raw.split("/")
    if any(part in ("", ".", "..") for part in parts[:-1]) or parts[-1] in (".", ".."):
        raise ArchiveUnsafePath(f"unsafe entry name {raw!r}", user_message=f"数据包中含有越出包目录的路径：{raw!r}。")


def _entry_limit(name: str, limits: ArchiveLimits) -> int:
    if name == MANIFEST_NAME:
        return limits.max_manifest_bytes
    if name == SIGNATURE_NAME:
        return limits.max_signature_bytes
    return limits.max_attachment_bytes


def _over_entry_limit(name: str, limit: int) -> Exception:
    if name == MANIFEST_NAME:
        return ManifestTooLarge(f"manifest over {limit} bytes", user_message=f"数据包清单超过 {limit} 字节上限。")
    return ArchiveTooLarge(f"{name} over {limit} bytes", user_message=f"数据包中的文件 {name} 超过 {limit} 字节上限。")


def _check_info(info: zipfile.ZipInfo, seen: set[str]) -> None:
    for raw in {info.orig_filename, info.filename}:
        _check_path(raw)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ArchiveUnsafePath(
            f"symlink entry {info.filename!r}", user_message=f"数据包中含有链接文件：{info.filename!r}。"
        )
    name = info.filename
    if name in seen:
        raise ArchiveUnexpectedEntry(f"duplicate entry {name!r}", user_message=f"数据包中的文件重复出现：{name}。")
    seen.add(name)
    if not _is_entry_name(name):
        raise ArchiveUnexpectedEntry(f"unexpected entry {name!r}", user_message=f"数据包中含有不应存在的文件：{name}。")
    if info.flag_bits & 0x1:
        raise ArchiveUnsupportedCompression(f"encrypted entry {name!r}")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ArchiveUnsupportedCompression(f"compression {info.compress_type} in {name!r}")


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits, budget: int) -> bytes:
    """Stream one entry, counting real bytes against its limit, the remaining total budget and the ratio bound."""
    name = info.filename
    limit = _entry_limit(name, limits)
    ratio_cap = max(info.compress_size, 1) * limits.max_compression_ratio
    chunks: list[bytes] = []
    count = 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            count += len(chunk)
            if count > limit:
                raise _over_entry_limit(name, limit)
            if count > budget:
                raise ArchiveTooLarge(f"archive content over {limits.max_total_bytes} bytes")
            if info.compress_type != zipfile.ZIP_STORED and count > ratio_cap:
                raise ArchiveTooLarge(f"compression ratio of {name!r} over {limits.max_compression_ratio}")
            chunks.append(chunk)
    return b"".join(chunks)


def read_archive(data: bytes, limits: ArchiveLimits) -> dict[str, bytes]:
    """The entries of a packet archive (name → bytes), or a precise ``PacketRejected``."""
    if len(data) > limits.max_archive_bytes:
        raise ArchiveTooLarge(f"archive of {len(data)} bytes")
    entries = _read_canonical(data, limits)
    return entries if entries is not None else _read_hostile(data, limits)


def _read_canonical(data: bytes, limits: ArchiveLimits) -> dict[str, bytes] | None:
    """The entries when ``data`` is byte for byte ``write_archive`` of entries ``_read_hostile`` accepts, else None.

    A packet as our writer made it is read in one pass (a CRC-32 per entry) instead of zipfile's reading (a CRC-32
    too) and a full rewrite to compare; anything else, however small the difference, goes to ``_read_hostile``,
    which names the fault. Every byte is compared with what the writer emits, so both readers accept the same files
    and return the same entries."""
    if type(data) is not bytes:
        return None
    entries: dict[str, bytes] = {}
    central: list[bytes] = []
    pos = total = 0
    while data.startswith(_LOCAL_SIGNATURE, pos) and len(entries) < limits.max_entries:
        if pos + 30 > len(data):
            return None
        size, name_length = _SIZE_AND_NAME.unpack_from(data, pos + 18)
        name_end = pos + 30 + name_length
        end = name_end + size
        encoded = data[pos + 30 : name_end]
        if end > len(data) or not encoded.isascii():
            return None
        name = encoded.decode("ascii")
        if name in entries or size > _entry_limit(name, limits) or not _is_entry_name(name):
            return None
        content = data[name_end:end]
        crc = zlib.crc32(content)
        if data[pos : pos + 30] != _local_header(encoded, crc, size):
            return None
        central.append(_central_record(encoded, crc, size, pos))
        entries[name] = content
        total += size
        pos = end
    if (
        total > limits.max_total_bytes
        or MANIFEST_NAME not in entries
        or SIGNATURE_NAME not in entries
        or list(entries) != canonical_order(entries)
    ):
        return None
    directory = b"".join(central)
    if data[pos:] != directory + _end_record(len(central), len(directory), pos):
        return None
    return entries


def _is_entry_name(name: str) -> bool:
    return name in (MANIFEST_NAME, SIGNATURE_NAME) or _ATTACHMENT_NAME.fullmatch(name) is not None


def _read_hostile(data: bytes, limits: ArchiveLimits) -> dict[str, bytes]:
    """Read ``data`` as the hostile file it may be, counting what it really holds, and name the first fault."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise ArchiveMalformed(f"not a zip archive: {exc!r}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise ArchiveTooLarge(f"{len(infos)} entries", user_message=f"数据包含有 {len(infos)} 个文件，超过上限。")
        seen: set[str] = set()
        for info in infos:
            _check_info(info, seen)
        entries: dict[str, bytes] = {}
        budget = limits.max_total_bytes
        for info in infos:
            try:
                content = _read_entry(archive, info, limits, budget)
            except _ZIP_ERRORS as exc:
                raise ArchiveMalformed(f"entry {info.filename!r} unreadable: {exc!r}") from None
            budget -= len(content)
            entries[info.filename] = content
    for required in (MANIFEST_NAME, SIGNATURE_NAME):
        if required not in entries:
            raise ArchiveMissingEntry(f"missing {required}", user_message=f"数据包缺少 {required}。")
    if write_archive(entries) != data:
        raise ArchiveNotCanonical("archive bytes differ from the canonical layout of its entries")
    return entries

"""The fast paths of packet verification accept and refuse exactly what the strict paths do, with the same reason.

Each fast path (the canonical archive reader, ...) hands anything it does not recognise to the strict path that
names the fault; these tests run both on the same hostile inputs and require the same outcome: the same entries, or
the same refusal class, log message and operator sentence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.sync.packet import archive, cms, der
from app.sync.packet.archive import ArchiveLimits, _read_hostile, content_offsets, read_archive, write_archive
from app.sync.packet.canonical import NotCanonicalJson, _parse_strict, canonical_json, parse_canonical_json
from app.sync.packet.errors import PacketRejected, SignatureInvalid
from tests.sync.packet_support import PacketWorld, packet_parts

TIGHT_LIMITS = (
    ArchiveLimits(),
    ArchiveLimits(max_entries=2),
    ArchiveLimits(max_attachment_bytes=255),
    ArchiveLimits(max_total_bytes=300),
    ArchiveLimits(max_manifest_bytes=100, max_signature_bytes=100),
)


def outcome(read: Callable[..., Any], *args: Any) -> tuple[Any, ...]:
    try:
        return ("accepted", read(*args))
    except PacketRejected as exc:
        return (type(exc), str(exc), exc.user_message)
    except ValueError as exc:
        return (type(exc), str(exc))


def assert_same_archive_outcome(data: bytes) -> None:
    for limits in TIGHT_LIMITS:
        assert outcome(read_archive, data, limits) == outcome(_read_hostile, data, limits)


def test_the_canonical_reader_agrees_on_every_bit_flip(small_packet: bytes) -> None:
    assert_same_archive_outcome(small_packet)
    for position in range(len(small_packet)):
        tampered = bytearray(small_packet)
        tampered[position] ^= 1 << (position % 8)
        assert_same_archive_outcome(bytes(tampered))


def test_the_canonical_reader_agrees_on_truncated_and_extended_files(small_packet: bytes) -> None:
    for cut in range(0, len(small_packet), 7):
        assert_same_archive_outcome(small_packet[:cut])
    for tail in (b"\x00", b"PK\x05\x06", small_packet[-22:]):
        assert_same_archive_outcome(small_packet + tail)
    assert_same_archive_outcome(small_packet[:30] + small_packet)


def test_the_canonical_reader_agrees_on_rebuilt_archives(small_packet: bytes) -> None:
    parts = packet_parts(small_packet)
    name = next(k for k in parts if k.startswith("attachments/"))
    smuggled = "attachments/" + hashlib.sha256(b"smuggled").hexdigest()
    for entries in (
        {k: v for k, v in parts.items() if k != name},
        {k: v for k, v in parts.items() if k != "manifest.json"},
        {**parts, smuggled: b"smuggled"},
        {**parts, "readme.txt": b"hi"},
        {**parts, "attachments/" + "A" * 64: b""},
        {**parts, "../evil": b"x"},
        {**parts, name: parts[name] + b"!"},
        {},
    ):
        assert_same_archive_outcome(write_archive(entries))


def in_order(entries: list[tuple[str, bytes]]) -> bytes:
    """The writer's layout of ``entries`` in the order given, canonical or not."""
    out, central = b"", []
    for name, data in entries:
        encoded, crc = name.encode("ascii"), zlib.crc32(data)
        central.append(archive._central_record(encoded, crc, len(data), len(out)))
        out += archive._local_header(encoded, crc, len(data)) + encoded + data
    directory = b"".join(central)
    return out + directory + archive._end_record(len(central), len(directory), len(out))


@settings(max_examples=200, deadline=None)
@given(attachments=st.lists(st.binary(max_size=300), max_size=5), manifest=st.binary(max_size=200))
def test_content_offsets_point_at_each_entry_in_the_archive(attachments: list[bytes], manifest: bytes) -> None:
    entries = {"manifest.json": manifest, "manifest.p7s": manifest[::-1] + b"sig"}
    entries |= {archive.attachment_entry_name(hashlib.sha256(a).hexdigest()): a for a in attachments}
    data = write_archive(entries)
    offsets = content_offsets(entries)
    assert offsets.keys() == entries.keys()
    assert all(data[at : at + len(entries[name])] == entries[name] for name, at in offsets.items())


def test_the_canonical_reader_agrees_on_entries_out_of_order(small_packet: bytes) -> None:
    parts = packet_parts(small_packet)
    ordered = list(parts.items())
    assert in_order(ordered) == small_packet
    assert_same_archive_outcome(in_order([ordered[1], ordered[0], *ordered[2:]]))
    assert_same_archive_outcome(in_order([*ordered[2:], *ordered[:2]]))
    assert_same_archive_outcome(in_order([*ordered, ordered[2]]))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=20,
)
# Edits that turn canonical bytes into near misses: whitespace, escapes, floats, duplicate keys, other orders.
EDITS = (
    (b",", b", "),
    (b":", b" :"),
    (b'"a"', b'"\\u0061"'),
    (b"1", b"1.0"),
    (b"0", b"-0"),
    (b"2", b"02"),
    (b"true", b"NaN"),
    (b'{"', b'{"k":1,"'),
    (b'{"', b'{"":0,"'),
    (b"}", b',"":0}'),
    (b'"', b'"\\ud800'),
    (b"[", b"[[[[[[[["),
    (b"null", b"\xff"),
    (b"\\n", b"\n"),
    (b"\\", b"\\/"),
)


@settings(max_examples=400, deadline=None)
@given(value=JSON_VALUES, edits=st.lists(st.sampled_from(EDITS), max_size=3), where=st.integers(0, 3))
def test_the_canonical_json_parser_agrees_with_the_strict_one(value: Any, edits: Any, where: int) -> None:
    data = canonical_json(value)
    assert parse_canonical_json(data) == value
    for old, new in edits:
        head, _, tail = data.partition(old) if where % 2 else data.rpartition(old)
        data = head + new + tail if _ else data
    assert outcome(parse_canonical_json, data) == outcome(_parse_strict, data)


@pytest.mark.parametrize(
    "data",
    [b'{"a":1,"a":1}', b'{"a":{"b":1,"b":2},"c":1.5}', b'{"a":1.5,"b":{"c":1,"c":2}}', b"[" * 100_000, b'"\\ud800"'],
)
def test_the_canonical_json_parser_names_the_same_first_fault(data: bytes) -> None:
    assert outcome(parse_canonical_json, data) == outcome(_parse_strict, data)
    assert outcome(parse_canonical_json, data)[0] is NotCanonicalJson


def strptime_utc_time(raw: bytes) -> dt.datetime:
    """The signing-time reading before the fast path, kept as the reference."""
    return dt.datetime.strptime(raw.decode("ascii"), "%y%m%d%H%M%SZ").replace(tzinfo=dt.UTC)


@settings(max_examples=2000, deadline=None)
@given(
    raw=st.binary(min_size=11, max_size=14)
    | st.lists(st.sampled_from(b"0123456789Zz 9\xb9"), min_size=13, max_size=13).map(bytes)
)
def test_the_signing_time_reader_agrees_with_strptime(raw: bytes) -> None:
    assert outcome(cms._utc_time, raw) == outcome(strptime_utc_time, raw)


def test_the_signing_time_reader_agrees_with_strptime_on_every_field_edge() -> None:
    for year, month, day, hour, minute_second in itertools.product(
        ("00", "68", "69", "99"), ("00", "01", "02", "09", "10", "12", "13", "19"),
        ("00", "01", "09", "28", "29", "30", "31", "32", "39"), ("00", "09", "19", "23", "24", "29"),
        ("00", "59", "60", "61", "69", "99"),
    ):  # fmt: skip
        raw = f"{year}{month}{day}{hour}{minute_second}{minute_second}Z".encode()
        assert outcome(cms._utc_time, raw) == outcome(strptime_utc_time, raw), raw


def test_the_signed_attribute_check_agrees_on_every_bit_flip(world: PacketWorld) -> None:
    content = b'{"manifest":1}'
    attrs = cms._signed_attributes(content, dt.datetime(2026, 11, 2, 7, 30, 5, tzinfo=dt.UTC))
    attrs.sort()
    digest = hashlib.sha256(content).digest()
    assert cms._check_attributes(attrs, digest) == dt.datetime(2026, 11, 2, 7, 30, 5, tzinfo=dt.UTC)
    variants = [attrs[:2], [*attrs, attrs[0]], [attrs[1], attrs[0], attrs[2]]]
    for index, attr in enumerate(attrs):
        for position in range(len(attr) * 8):
            flipped = bytearray(attr)
            flipped[position // 8] ^= 1 << (position % 8)
            variants.append([*attrs[:index], bytes(flipped), *attrs[index + 1 :]])
    for variant in variants:
        expected = outcome(wrapped, cms._check_attributes_one_by_one, variant, digest)
        assert outcome(wrapped, cms._check_attributes, variant, digest) == expected


def wrapped(check: Callable[..., Any], *args: Any) -> Any:
    """``check`` as ``cms.verify`` runs it: DER and value errors are a SignatureInvalid naming them."""
    try:
        return check(*args)
    except (der.DerError, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise SignatureInvalid(f"CMS structure unreadable: {exc}") from None


def reference_children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """``der.children`` as it was before ``der.read`` was inlined into it, kept as the reference."""
    found, pos = [], start
    while pos < end:
        tag, body_start, body_end, next_pos = der.read(data, pos)
        if next_pos > end:
            raise der.DerError("child runs past its parent")
        found.append((tag, body_start, body_end, pos))
        pos = next_pos
    return found


def assert_same_der_walk(data: bytes, start: int, end: int, depth: int = 0) -> None:
    found = outcome(der.children, data, start, end)
    assert found == outcome(reference_children, data, start, end)
    if found[0] == "accepted" and depth < 6:
        for tag, body_start, body_end, _ in found[1]:
            if tag & 0x20:  # constructed
                assert_same_der_walk(data, body_start, body_end, depth + 1)


def test_the_der_walk_agrees_with_element_by_element_reading_on_every_bit_flip(small_packet: bytes) -> None:
    p7s = packet_parts(small_packet)["manifest.p7s"]
    assert_same_der_walk(p7s, 0, len(p7s))
    for position in range(len(p7s)):
        tampered = bytearray(p7s)
        tampered[position] ^= 1 << (position % 8)
        assert_same_der_walk(bytes(tampered), 0, len(tampered))
        assert_same_der_walk(bytes(tampered), position, len(tampered))

"""Just enough DER to write and read the one CMS SignedData shape we produce (RFC 5652), fast and strictly.

Writing by hand keeps signing independent of a private-key object (the token signs the attribute bytes) and keeps
verification in the tens of microseconds; strictness comes from the verifier rebuilding the exact encoding.
"""

from __future__ import annotations

SEQUENCE = 0x30
SET = 0x31
INTEGER = 0x02
OCTET_STRING = 0x04
NULL = 0x05
OID = 0x06
UTC_TIME = 0x17
GENERALIZED_TIME = 0x18
CONTEXT_0 = 0xA0
CONTEXT_1 = 0xA1


_OCTETS = tuple(bytes([value]) for value in range(256))


class DerError(ValueError):
    """The bytes are not the DER this module reads."""


def length(n: int) -> bytes:
    """The DER length octets for a body of ``n`` bytes."""
    if n < 0x80:
        return _OCTETS[n]
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return _OCTETS[0x80 | len(raw)] + raw


def tlv(tag: int, body: bytes) -> bytes:
    """One DER element."""
    n = len(body)
    return b"".join((_OCTETS[tag], _OCTETS[n] if n < 0x80 else length(n), body))


def integer(value: int) -> bytes:
    """A DER INTEGER (two's complement, minimal length)."""
    size = max(1, (value.bit_length() + 8) // 8) if value >= 0 else (value.bit_length() + 8) // 8
    return tlv(INTEGER, value.to_bytes(size, "big", signed=True))


def oid(dotted: str) -> bytes:
    """A DER OBJECT IDENTIFIER from its dotted form."""
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return tlv(OID, bytes(body))


def set_of(children: list[bytes]) -> bytes:
    """A DER SET OF: the encodings of the members in ascending order (X.690 §11.6)."""
    return tlv(SET, b"".join(sorted(children)))


def read(data: bytes, offset: int = 0) -> tuple[int, int, int, int]:
    """The element at ``offset``: (tag, start of body, end of body, end of element). Definite lengths only."""
    if offset + 2 > len(data):
        raise DerError("truncated header")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not used here")
    first = data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        size = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise DerError("bad length")
        size = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + size
    if end > len(data):
        raise DerError("element runs past the end")
    return tag, pos, end, end


def children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """The elements inside a constructed body, as (tag, body start, body end, element start)."""
    # ``read`` inlined (same checks, same order): a signature has two dozen elements, and the calls were a third of
    # the DER walk.
    found = []
    pos, total = start, len(data)
    while pos < end:
        if pos + 2 > total:
            raise DerError("truncated header")
        tag = data[pos]
        if tag & 0x1F == 0x1F:
            raise DerError("multi-byte tags are not used here")
        first = data[pos + 1]
        body_start = pos + 2
        if first < 0x80:
            size = first
        else:
            count = first & 0x7F
            if count == 0 or count > 4 or body_start + count > total:
                raise DerError("bad length")
            size = int.from_bytes(data[body_start : body_start + count], "big")
            body_start += count
        body_end = body_start + size
        if body_end > total:
            raise DerError("element runs past the end")
        if body_end > end:
            raise DerError("child runs past its parent")
        found.append((tag, body_start, body_end, pos))
        pos = body_end
    return found

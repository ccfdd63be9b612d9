"""The Bitstring Status List (W3C): one bit per credential, GZIP then base64url, multibase 'u'.

Pure: no Flask, no database. Bit 0 is the left-most (most significant) bit of the first byte, as
the specification says; a list has at least 131,072 entries (16 KiB) for group privacy.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable

LIST_SIZE = 131_072  # entries per list: the specification's minimum
MULTIBASE_BASE64URL = "u"


def locate(status_index: int, size: int = LIST_SIZE) -> tuple[int, int]:
    """(list id, index inside that list) of a programme-wide status index; lists count from 1."""
    if status_index < 0:
        raise ValueError("a status index is never negative")
    return status_index // size + 1, status_index % size


def bitstring(set_bits: Iterable[int], size: int = LIST_SIZE) -> bytes:
    """The raw bitstring of `size` bits with the given positions set (others ignored)."""
    data = bytearray(size // 8)
    for position in set_bits:
        if 0 <= position < size:
            data[position // 8] |= 0x80 >> (position % 8)
    return bytes(data)


def encode(set_bits: Iterable[int], size: int = LIST_SIZE) -> str:
    """The `encodedList` value: multibase base64url (no padding) of the GZIP of the bitstring."""
    raw = bitstring(set_bits, size)
    packed = gzip.compress(raw, compresslevel=9, mtime=0)
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    """The bitstring of an `encodedList` (with or without the multibase prefix); ValueError if
    it is not base64url of GZIP data."""
    text = encoded[1:] if encoded.startswith(MULTIBASE_BASE64URL) else encoded
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return gzip.decompress(packed)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError("not a GZIP, base64url encoded status list") from exc


def is_set(bits: bytes, position: int) -> bool:
    """Whether the bit at `position` is set; IndexError past the end of the list."""
    if position < 0 or position >= len(bits) * 8:
        raise IndexError("status index outside the list")
    return bool(bits[position // 8] & (0x80 >> (position % 8)))

"""Identifiers created in the domain, so a record exists before any server sees it.

Python 3.11's ``uuid`` module has no UUIDv7 (added in 3.14), so ``new_id`` builds one by hand
following RFC 9562 §5.7: 48-bit Unix milliseconds, version 7, 74 random bits. Time-ordered ids
keep B-tree inserts local and make "newest first" a cheap index scan.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_last_rand = 0


def new_id() -> uuid.UUID:
    """A fresh UUIDv7; monotonic within this process even when the clock does not advance."""
    global _last_ms, _last_rand
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms
            rand = (_last_rand + 1) & ((1 << 74) - 1)
        else:
            rand = int.from_bytes(os.urandom(10), "big") >> 6
        _last_ms, _last_rand = ms, rand
    rand_a = rand >> 62  # 12 bits
    rand_b = rand & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rand_a << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)


def parse_id(text: str) -> uuid.UUID:
    """Parse an id typed or pasted by a user; raises ``InvalidInput`` with a readable message."""
    from core.domain.errors import InvalidInput

    try:
        return uuid.UUID(text.strip())
    except (ValueError, AttributeError) as exc:
        raise InvalidInput(f"{text!r} is not a record id (expected a UUID).") from exc

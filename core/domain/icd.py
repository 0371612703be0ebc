"""ICD-10-CM validation and laterality, backed by the public-domain CDC code set.

We use the ``simple-icd-10-cm`` package rather than shipping our own table: it carries the
whole tabular list and its hierarchy. Importing it parses that list (~1 s), so it is loaded
lazily, on the first call that needs it, and never at application start.

Laterality is derived from the official description: ICD-10-CM spells the side out ("..., right
knee", "Bilateral primary osteoarthritis of knee"). A code with no side word is *unspecified*
when a sibling code names a side (the code set offers a specific alternative), otherwise *not
applicable* (e.g. low back pain).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

from core.domain.enums import Laterality
from core.domain.errors import InvalidCode

_CODE_RE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")
# "right"/"left" that are not a body side.
_NOT_A_SIDE = re.compile(
    r"\b(right|left)[- ](heart|ventric\w*|atri\w*|bundle|sided heart|coronary|main)\b", re.I
)
_lock = threading.Lock()
_module: ModuleType | None = None


def _icd() -> ModuleType:
    global _module
    with _lock:
        if _module is None:
            import simple_icd_10_cm as module

            _module = module
    return _module


@dataclass(frozen=True, slots=True)
class IcdCode:
    code: str  # with the dot, e.g. "M17.11"
    description: str
    laterality: Laterality
    billable: bool


def normalize(code: str) -> str:
    """Upper-case, trimmed, dotted form ("m1711" → "M17.11"); ``InvalidCode`` if malformed."""
    text = (code or "").strip().upper().replace(" ", "")
    if not _CODE_RE.match(text):
        raise InvalidCode(
            f"{code!r} is not an ICD-10-CM code.", hint="Codes look like M17.11 or S83.241A."
        )
    bare = text.replace(".", "")
    return bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"


def _side_in(description: str) -> Laterality | None:
    text = _NOT_A_SIDE.sub("", description)
    lower = text.lower()
    if "bilateral" in lower:
        return Laterality.BILATERAL
    has_right = re.search(r"\bright\b", lower) is not None
    has_left = re.search(r"\bleft\b", lower) is not None
    if has_right and not has_left:
        return Laterality.RIGHT
    if has_left and not has_right:
        return Laterality.LEFT
    if "unspecified side" in lower:
        return Laterality.UNSPECIFIED
    return None


@lru_cache(maxsize=4096)
def lookup(code: str) -> IcdCode:
    """Validate ``code`` against ICD-10-CM and describe it. Raises ``InvalidCode`` if unknown."""
    dotted = normalize(code)
    icd = _icd()
    if not icd.is_valid_item(dotted):
        raise InvalidCode(
            f"{dotted} is not in ICD-10-CM.", hint="Check the code or search by words."
        )
    description = icd.get_description(dotted)
    return IcdCode(
        code=dotted,
        description=description,
        laterality=_laterality(dotted, description),
        billable=bool(icd.is_leaf(dotted)),
    )


def _laterality(code: str, description: str) -> Laterality:
    side = _side_in(description)
    if side is not None:
        return side
    return Laterality.UNSPECIFIED if specific_alternatives(code) else Laterality.NOT_APPLICABLE


@lru_cache(maxsize=4096)
def specific_alternatives(code: str) -> tuple[str, ...]:
    """Sibling codes that name a side, for a code that does not (empty if none)."""
    dotted = normalize(code)
    icd = _icd()
    if not icd.is_valid_item(dotted) or _side_in(icd.get_description(dotted)) is not None:
        return ()
    parent = icd.get_parent(dotted)
    if not parent:
        return ()
    siblings = [c for c in icd.get_children(parent) if c != dotted]
    return tuple(
        c
        for c in siblings
        if _side_in(icd.get_description(c))
        in (Laterality.RIGHT, Laterality.LEFT, Laterality.BILATERAL)
    )


def search(query: str, limit: int = 25) -> list[IcdCode]:
    """Billable codes whose code starts with ``query``, or whose description has all its words."""
    q = query.strip()
    if not q:
        return []
    words = [w.lower() for w in q.split()]
    prefix = q.upper().replace(".", "")
    out: list[IcdCode] = []
    for dotted, bare, lower in _index():
        if bare.startswith(prefix) or all(w in lower for w in words):
            out.append(lookup(dotted))
            if len(out) >= limit:
                break
    return out


_index_lock = threading.Lock()


def _index() -> tuple[tuple[str, str, str], ...]:
    """(dotted code, bare code, lower-case description) of every billable code, built once.

    Thread-safe: the first two searches may start together on different workers.
    """
    with _index_lock:
        return _build_index()


@lru_cache(maxsize=1)
def _build_index() -> tuple[tuple[str, str, str], ...]:
    icd = _icd()
    rows = []
    for bare in icd.get_all_codes(False):
        if len(bare) < 3 or "-" in bare or not icd.is_leaf(bare):
            continue
        dotted = bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"
        rows.append((dotted, bare, str(icd.get_description(bare)).lower()))
    return tuple(rows)

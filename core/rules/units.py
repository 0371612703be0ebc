"""Billing units from minutes: the CMS total-timed-minutes method and the per-code method.

Contract (pure; no I/O beyond the cached code catalog):

- ``chart_units(minutes, unit_minutes=15)``: a unit is attained once the midpoint is passed,
  so 15-minute units are ``0 if m < 8 else (m + 7) // 15`` (the CMS chart: 8–22 → 1,
  23–37 → 2 … 113–127 → 8) and 30-minute units (98960–98962) need 16 minutes.
- ``UnitMethod.CMS_TOTAL_TIME`` (Pub. 100-04 Ch. 5 §20.2): the minutes of all 15-minute
  timed codes are added up and charted; each code first gets its full 15-minute units, then
  the leftover units go one each to the codes with the largest leftover minutes. Equal
  leftovers competing for fewer units than codes are a *tie*: the clinician chooses. We
  report every tie in ``UnitResult.ties`` and still allocate deterministically (fewest full
  units first, then the code listed first) and say so in the explanation.
- ``UnitMethod.PER_CODE`` (AMA "substantial portion"): each code is charted on its own;
  minutes are never pooled across codes.
- Both methods: untimed codes are always 1 unit; 30-minute codes are charted on their own
  and never pool with 15-minute codes; 97129 and 97130 are one cognitive service whose
  minutes are pooled — the first unit is 97129 (max one a day), further units 97130.
- Invalid input raises ``InvalidCode`` (code not in the catalog) or ``InvalidInput``
  (negative or non-integer minutes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from core.domain.enums import UnitMethod
from core.domain.errors import InvalidInput
from core.domain.visit import Note
from core.rules.packs import CodeInfo, RulePacks, default_packs

MinutesInput: TypeAlias = Mapping[str, int] | Iterable[tuple[str, int]]


def chart_units(minutes: int, unit_minutes: int = 15) -> int:
    """Units for ``minutes`` of one timed service (or a pool) by the midpoint rule."""
    if minutes <= 0:
        return 0
    return (minutes + (unit_minutes - 1) // 2) // unit_minutes


@dataclass(frozen=True, slots=True)
class TieGroup:
    """Codes with equal leftover minutes competing for fewer leftover units than codes."""

    codes: tuple[str, ...]
    remainder_minutes: int
    units: int  # leftover units shared among ``codes``
    default: tuple[str, ...]  # the codes our default allocation gave them to


@dataclass(frozen=True)
class UnitResult:
    """Units per code for one day of service. ``units`` has every code given (0 allowed)."""

    method: UnitMethod
    units: Mapping[str, int]
    minutes: Mapping[str, int]  # minutes per code as given (summed over repeats)
    timed_minutes: int  # all timed minutes, 15- and 30-minute codes
    timed_units: int
    untimed_units: int
    ties: tuple[TieGroup, ...]
    lines: tuple[str, ...]

    @property
    def total_units(self) -> int:
        return self.timed_units + self.untimed_units

    @property
    def explanation(self) -> str:
        return "\n".join(self.lines)

    def units_for(self, code: str) -> int:
        return self.units.get(code, 0)


@dataclass(slots=True)
class _Service:
    """One 15-minute timed service: a code, or a pool of codes billed as one (97129/97130)."""

    codes: list[str]
    minutes: int
    order: int
    units: int = 0

    @property
    def label(self) -> str:
        return "/".join(self.codes) if len(self.codes) > 1 else self.codes[0]


def normalize_minutes(minutes_by_code: MinutesInput, packs: RulePacks) -> dict[str, int]:
    """Validate and sum minutes per code, keeping first-seen order."""
    items = minutes_by_code.items() if isinstance(minutes_by_code, Mapping) else minutes_by_code
    out: dict[str, int] = {}
    for item in items:
        try:
            code, minutes = item
        except (TypeError, ValueError):
            raise InvalidInput(
                f"Expected (code, minutes) pairs, got {item!r}.", hint="Pass e.g. [('97110', 23)]."
            ) from None
        if not isinstance(code, str):
            raise InvalidInput(f"{code!r} is not a procedure code.")
        info = packs.code(code)  # raises InvalidCode
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise InvalidInput(f"Minutes for {info.code} must be a whole number, not {minutes!r}.")
        if minutes < 0:
            raise InvalidInput(
                f"Minutes for {info.code} cannot be negative ({minutes}).",
                hint="Check the block's start and stop times.",
            )
        out[info.code] = out.get(info.code, 0) + minutes
    return out


def compute_units(
    minutes_by_code: MinutesInput,
    method: UnitMethod | str,
    *,
    packs: RulePacks | None = None,
    explain: bool = True,
) -> UnitResult:
    """Units per code for one patient-day under ``method`` (see the module docstring).
    ``explain=False``: the same units and ties without the explanation (``lines`` is empty),
    for callers that only price (the ledger prices every day of a chart; writing out the
    sentences was a third of the work)."""
    packs = packs or default_packs()
    try:
        method = UnitMethod(method)
    except ValueError:
        raise InvalidInput(
            f"{method!r} is not a unit method.", hint="Use 'cms' or 'per-code'."
        ) from None
    minutes = normalize_minutes(minutes_by_code, packs)
    infos = {code: packs.code(code) for code in minutes}
    units: dict[str, int] = {}
    lines: list[str] | None = [] if explain else None
    ties: tuple[TieGroup, ...] = ()

    services = _fifteen_minute_services(minutes, infos)
    if services:
        if method is UnitMethod.CMS_TOTAL_TIME:
            ties = _allocate_cms(services, lines)
        else:
            _allocate_per_code(services, lines)
        for service in services:
            _split_service(service, infos, packs, units, lines)

    for code, info in infos.items():
        if info.timed and info.unit_minutes != 15:
            n = chart_units(minutes[code], info.unit_minutes or 15)
            units[code] = n
            if lines is not None:
                lines.append(
                    f"{code}: {minutes[code]} min → {n} unit{_s(n)} of {info.unit_minutes} "
                    f"minutes (a unit needs {(info.unit_minutes or 15) // 2 + 1} minutes; "
                    "never pooled)."
                )
    untimed = [code for code, info in infos.items() if not info.timed]
    for code in untimed:
        units[code] = 1
    if untimed and lines is not None:
        lines.append(f"Untimed, 1 unit each: {', '.join(untimed)}.")

    ordered = {code: units.get(code, 0) for code in minutes}
    ordered.update({c: n for c, n in units.items() if c not in ordered})
    timed_units = sum(n for c, n in ordered.items() if packs.code(c).timed)
    return UnitResult(
        method=method,
        units=ordered,
        minutes=dict(minutes),
        timed_minutes=sum(m for c, m in minutes.items() if infos[c].timed),
        timed_units=timed_units,
        untimed_units=len(untimed),
        ties=ties,
        lines=tuple(lines or ()),
    )


def note_minutes(
    note: Note, packs: RulePacks | None = None, *, skip_unknown: bool = False
) -> list[tuple[str, int]]:
    """(code, minutes) for every block and untimed service of ``note``, in time order.

    A block with a missing time, or a stop before its start, counts 0 minutes: the checks
    report it; units must still be computable while a draft is being edited.
    """
    packs = packs or default_packs()
    out: list[tuple[str, int]] = []
    for block in note.ordered_blocks:
        if skip_unknown and packs.find_code(block.code) is None:
            continue
        out.append((block.code, max(block.minutes or 0, 0)))
    for service in sorted(note.untimed, key=lambda s: s.position):
        if skip_unknown and packs.find_code(service.code) is None:
            continue
        out.append((service.code, max(service.minutes or 0, 0)))
    return out


def units_for_note(
    note: Note, method: UnitMethod | str, *, packs: RulePacks | None = None
) -> UnitResult:
    """``compute_units`` over a note's blocks (same code in several blocks is summed)."""
    return compute_units(note_minutes(note, packs), method, packs=packs)


# -- internals -------------------------------------------------------------------------------
def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _fifteen_minute_services(
    minutes: Mapping[str, int], infos: Mapping[str, CodeInfo]
) -> list[_Service]:
    services: list[_Service] = []
    pools: dict[str, _Service] = {}
    for code, info in infos.items():
        if not info.timed or info.unit_minutes != 15:
            continue
        if info.unit_pool:
            pool = pools.get(info.unit_pool)
            if pool is None:
                pool = pools[info.unit_pool] = _Service([], 0, len(services))
                services.append(pool)
            pool.codes.append(code)
            pool.minutes += minutes[code]
        else:
            services.append(_Service([code], minutes[code], len(services)))
    return services


def _allocate_cms(services: list[_Service], lines: list[str] | None) -> tuple[TieGroup, ...]:
    total = sum(s.minutes for s in services)
    total_units = chart_units(total)
    if lines is None:
        pass
    elif total < 8:
        lines.append(f"{total} timed minutes → 0 units (fewer than 8 minutes in total).")
    else:
        low = total_units * 15 - 7
        lines.append(
            f"CMS total-time method: {total} timed minutes → {total_units} unit"
            f"{_s(total_units)} (chart: {low}–{low + 14} minutes)."
        )
    for s in services:
        s.units = s.minutes // 15
    leftover = total_units - sum(s.units for s in services)
    if (len(services) > 1 or leftover) and lines is not None:
        parts = [f"{s.label} {s.minutes} min = {s.units} full + {s.minutes % 15} left"
                 for s in services]
        lines.append("Full units first: " + "; ".join(parts) + ".")
    if leftover <= 0:
        return ()
    # Largest leftover minutes first; among equals, fewer full units, then the order given.
    ranked = sorted(
        (s for s in services if s.minutes % 15),
        key=lambda s: (-(s.minutes % 15), s.units, s.order),
    )
    winners = ranked[:leftover]
    cutoff = winners[-1].minutes % 15
    tied = [s for s in ranked if s.minutes % 15 == cutoff]
    tie_winners = [s for s in winners if s.minutes % 15 == cutoff]
    for s in winners:
        s.units += 1
    is_tie = len(tied) > len(tie_winners)
    shown = [s for s in winners if not is_tie or s.minutes % 15 != cutoff]
    rest = [s for s in ranked[leftover:] if not is_tie or s.minutes % 15 != cutoff]
    if shown and lines is not None:
        lines.append(
            f"Leftover unit{_s(len(shown))} → "
            + ", ".join(f"{s.label} ({s.minutes % 15} min left)" for s in shown)
            + (" over " + ", ".join(f"{s.label} ({s.minutes % 15})" for s in rest) if rest else "")
            + "."
        )
    if not is_tie:
        return ()
    n = len(tie_winners)
    if lines is not None:
        lines.append(
            f"TIE: {', '.join(s.label for s in tied)} each have {cutoff} minutes left for "
            f"{n} unit{_s(n)}; the clinician chooses. By default "
            f"{' and '.join(s.label for s in tie_winners)} get{'s' if n == 1 else ''} it."
        )
    return (
        TieGroup(
            codes=tuple(s.codes[0] for s in tied),
            remainder_minutes=cutoff,
            units=n,
            default=tuple(s.codes[0] for s in tie_winners),
        ),
    )


def _allocate_per_code(services: list[_Service], lines: list[str] | None) -> None:
    parts = []
    for s in services:
        s.units = chart_units(s.minutes)
        if lines is not None:
            parts.append(f"{s.label} {s.minutes} min → {s.units}")
    if lines is not None:
        lines.append(
            "Per-code method (each code charted alone, no pooling): " + "; ".join(parts) + ".")


def _split_service(
    service: _Service,
    infos: Mapping[str, CodeInfo],
    packs: RulePacks,
    units: dict[str, int],
    lines: list[str] | None,
) -> None:
    if len(service.codes) == 1 and not infos[service.codes[0]].unit_pool:
        code = service.codes[0]
        units[code] = service.units
        if service.units == 0 and service.minutes >= 8 and lines is not None:
            lines.append(f"{code} ({service.minutes} min) earns no unit; still document it.")
        return
    # A pool (97129 + 97130): the base code takes its daily maximum, the add-on the rest.
    pool = infos[service.codes[0]].unit_pool
    members = [c for c in packs.codes.values() if c.unit_pool == pool]
    base = next(c for c in members if c.add_on_to is None)
    add_on = next((c for c in members if c.add_on_to == base.code), None)
    first = min(service.units, base.max_units_per_day or service.units)
    units[base.code] = first
    rest = service.units - first
    if add_on is not None:
        units[add_on.code] = rest
    if service.units and lines is not None:
        split = f"{base.code} ×{first}" + (f" + {add_on.code} ×{rest}" if add_on and rest else "")
        lines.append(
            f"{'/'.join(c.code for c in members)} pooled as one service: "
            f"{service.minutes} min → {split}."
        )

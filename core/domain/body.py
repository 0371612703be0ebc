"""The body diagram of a note (issue 18): findings marked on a front/back outline.

Contract:

* The regions are data (``resources/body/regions.json``, our own simplified outline): an id, a
  label, a view (front or back), whether the region is paired (left and right) and its shape on
  a 200 × 440 canvas. A paired region's shape is the half on the viewer's left, mirrored about
  x = 100 for the other half. **Front view: the viewer's left is the patient's right; back
  view: the viewer's left is the patient's left** (``side_at``).
* A ``BodyMark`` is one finding in one region: ``pain``, ``tension`` or ``trigger_point``, a
  side (left/right for a paired region, ``not_applicable`` for a midline one), an optional
  0–10 severity and the point where it was placed (canvas units, for drawing only). Marks are
  stored on the note as plain dicts (``Note.body_marks``), so they sync and sign with it.
* ``body_side(marks)`` is the side the diagram gives the note: left, right, bilateral (both),
  or None (midline marks only, or none). It feeds the laterality check and the superbill's
  diagnosis pointers for lines that record no side themselves (``core.rules.lines``).
* ``describe(marks)`` is the text of the marks ("Left upper trapezius: trigger point (6/10)"),
  for the note editor and the Objective section.
* Point-in-polygon is a ten-line ray cast written here: core may not use Qt's geometry, and a
  geometry library for a dozen quadrilaterals would be a heavy dependency.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from core.domain.enums import Laterality
from core.domain.errors import ValidationError

FINDINGS: dict[str, str] = {"pain": "pain", "tension": "tension", "trigger_point": "trigger point"}
VIEWS = ("front", "back")
WIDTH, HEIGHT = 200, 440
MIDLINE = WIDTH / 2
MAX_MARKS = 60

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    label: str
    view: str
    paired: bool
    shape: tuple[Point, ...]  # the viewer's-left half when paired

    def shapes(self) -> list[tuple[Laterality, tuple[Point, ...]]]:
        """(patient side, polygon) of each part of the region as drawn."""
        if not self.paired:
            return [(Laterality.NOT_APPLICABLE, self.shape)]
        mirrored = tuple((WIDTH - x, y) for x, y in self.shape)
        near, far = (Laterality.RIGHT, Laterality.LEFT) if self.view == "front" else (
            Laterality.LEFT, Laterality.RIGHT)
        return [(near, self.shape), (far, mirrored)]

    def centre(self, side: Laterality) -> Point:
        for part_side, polygon in self.shapes():
            if part_side is side or not self.paired:
                xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
                return (sum(xs) / len(xs), sum(ys) / len(ys))
        raise ValidationError(f"The {self.label} has no {side.value} side.", field="side")


@cache
def regions() -> dict[str, Region]:
    """The region catalog, by id (read once from the data pack)."""
    text = resources.files("resources.body").joinpath("regions.json").read_text("utf-8")
    out: dict[str, Region] = {}
    for row in json.loads(text)["regions"]:
        region = Region(
            id=row["id"], label=row["label"], view=row["view"], paired=bool(row["paired"]),
            shape=tuple((float(x), float(y)) for x, y in row["shape"]),
        )
        if region.view not in VIEWS or region.id in out or len(region.shape) < 3:
            raise ValueError(f"bad body region {region.id!r} in regions.json")
        out[region.id] = region
    return out


def _inside(point: Point, polygon: Sequence[Point]) -> bool:
    x, y = point
    inside = False
    j = len(polygon) - 1
    for i, (xi, yi) in enumerate(polygon):
        xj, yj = polygon[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def locate(view: str, x: float, y: float) -> tuple[Region, Laterality] | None:
    """The region and patient side under a point of a view's canvas, or None. Midline
    regions are tested first (they sit over the paired ones' inner edges)."""
    candidates = [r for r in regions().values() if r.view == view]
    candidates.sort(key=lambda r: r.paired)
    for region in candidates:
        for side, polygon in region.shapes():
            if _inside((x, y), polygon):
                return region, side
    return None


def side_at(view: str, x: float) -> Laterality:
    """The patient's side of a point on a view: the viewer's left is the patient's right on
    the front view and the patient's left on the back view."""
    left_of_viewer = x < MIDLINE
    if view == "front":
        return Laterality.RIGHT if left_of_viewer else Laterality.LEFT
    return Laterality.LEFT if left_of_viewer else Laterality.RIGHT


@dataclass(frozen=True, slots=True)
class BodyMark:
    region: str
    side: Laterality
    finding: str
    severity: int | None = None
    x: float | None = None  # where it was placed on the region's view (canvas units)
    y: float | None = None
    id: str = ""

    def __post_init__(self) -> None:
        region = regions().get(self.region)
        if region is None:
            raise ValidationError(f"{self.region!r} is not a region of the body diagram.",
                                  field="region")
        side = Laterality(self.side) if self.side in set(Laterality) else None
        if region.paired and side not in (Laterality.LEFT, Laterality.RIGHT):
            raise ValidationError(f"Say which side of the {region.label}: left or right.",
                                  field="side")
        if not region.paired and side is not Laterality.NOT_APPLICABLE:
            raise ValidationError(f"The {region.label} is on the midline: it has no side.",
                                  field="side")
        object.__setattr__(self, "side", side)
        if self.finding not in FINDINGS:
            raise ValidationError(
                f"Mark {', '.join(FINDINGS.values())}, not {self.finding!r}.", field="finding")
        if self.severity is not None and (
            isinstance(self.severity, bool) or not isinstance(self.severity, int)
            or not 0 <= self.severity <= 10
        ):
            raise ValidationError("Severity is a whole number from 0 to 10.", field="severity")
        for value, limit, name in ((self.x, WIDTH, "x"), (self.y, HEIGHT, "y")):
            if value is not None and (isinstance(value, bool) or not isinstance(
                    value, int | float) or not 0 <= value <= limit):
                raise ValidationError("The mark is placed outside the diagram.", field=name)
        if not self.id:
            object.__setattr__(self, "id", uuid.uuid4().hex[:12])

    @property
    def region_info(self) -> Region:
        return regions()[self.region]

    @property
    def place(self) -> str:
        """"Left upper trapezius", "Sacrum"."""
        label = self.region_info.label
        text = f"{self.side.value} {label}" if self.region_info.paired else label
        return text[:1].upper() + text[1:]

    def text(self) -> str:
        severity = f" ({self.severity}/10)" if self.severity is not None else ""
        return f"{self.place}: {FINDINGS[self.finding]}{severity}"

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": self.id, "region": self.region, "side": self.side.value,
                               "finding": self.finding}
        if self.severity is not None:
            doc["severity"] = self.severity
        if self.x is not None and self.y is not None:
            doc["x"], doc["y"] = round(float(self.x), 1), round(float(self.y), 1)
        return doc

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> BodyMark:
        if not isinstance(doc, Mapping):
            raise ValidationError("A body diagram mark is damaged.", field="body_marks")
        return cls(
            region=str(doc.get("region", "")), side=doc.get("side", ""),  # type: ignore[arg-type]
            finding=str(doc.get("finding", "")), severity=doc.get("severity"),
            x=doc.get("x"), y=doc.get("y"), id=str(doc.get("id", "")),
        )


def marks_of(stored: Iterable[Mapping[str, Any]] | None) -> list[BodyMark]:
    return [BodyMark.from_dict(d) for d in stored or ()]


def body_side(marks: Iterable[BodyMark]) -> Laterality | None:
    """Left, right, bilateral (marks on both sides) or None (midline only, or no marks)."""
    sides = {m.side for m in marks} & {Laterality.LEFT, Laterality.RIGHT}
    if len(sides) == 2:
        return Laterality.BILATERAL
    return next(iter(sides), None)


def describe(marks: Sequence[BodyMark]) -> str:
    """The marks as a sentence per line, in the order they were placed."""
    return "\n".join(m.text() for m in marks)

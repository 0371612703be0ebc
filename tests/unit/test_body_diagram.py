"""The body diagram's data and pure logic (core.domain.body): the outline is consistent, a
point names the right region and the patient's side on each view, marks validate and round
trip, and the diagram's side is what lines without a side take."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain import body
from core.domain.enums import Laterality
from core.domain.errors import ValidationError


def test_every_region_part_is_found_at_its_centre_with_its_side() -> None:
    regions = body.regions()
    assert len(regions) >= 25 and {r.view for r in regions.values()} == {"front", "back"}
    for region in regions.values():
        for side, polygon in region.shapes():
            assert all(0 <= x <= body.WIDTH and 0 <= y <= body.HEIGHT for x, y in polygon)
            x, y = region.centre(side)
            found = body.locate(region.view, x, y)
            assert found == (region, side), (region.id, side)
            if region.paired:
                assert body.side_at(region.view, x) is side


def test_front_and_back_views_mirror_the_patients_sides() -> None:
    """Front: the viewer's left is the patient's right. Back: the viewer's left is the
    patient's left."""
    assert body.side_at("front", 60) is Laterality.RIGHT
    assert body.side_at("front", 140) is Laterality.LEFT
    assert body.side_at("back", 60) is Laterality.LEFT
    assert body.side_at("back", 140) is Laterality.RIGHT
    calf = body.regions()["calf"]
    assert body.locate("back", *calf.centre(Laterality.LEFT))[1] is Laterality.LEFT
    assert calf.centre(Laterality.LEFT)[0] < body.MIDLINE  # drawn on the viewer's left
    shin = body.regions()["shin"]
    assert shin.centre(Laterality.LEFT)[0] > body.MIDLINE  # front view: drawn on the right
    assert body.locate("front", 3, 3) is None


def test_marks_validate_and_describe_themselves() -> None:
    mark = body.BodyMark("upper_trapezius", Laterality.LEFT, "trigger_point", 6, 70.0, 90.0)
    assert mark.text() == "Left upper trapezius: trigger point (6/10)"
    assert body.BodyMark("sacrum", Laterality.NOT_APPLICABLE, "pain").text() == "Sacrum: pain"
    for kwargs, field in (
        (dict(region="liver", side="left", finding="pain"), "region"),
        (dict(region="sacrum", side="right", finding="pain"), "side"),
        (dict(region="calf", side="bilateral", finding="pain"), "side"),
        (dict(region="calf", side="left", finding="numbness"), "finding"),
        (dict(region="calf", side="left", finding="pain", severity=-1), "severity"),
        (dict(region="calf", side="left", finding="pain", severity=True), "severity"),
        (dict(region="calf", side="left", finding="pain", x=500.0, y=1.0), "x"),
    ):
        with pytest.raises(ValidationError) as refused:
            body.BodyMark(**kwargs)  # type: ignore[arg-type]
        assert refused.value.field == field
    with pytest.raises(ValidationError):
        body.BodyMark.from_dict("calf")  # type: ignore[arg-type]


@given(st.sampled_from(sorted(body.regions())), st.sampled_from(sorted(body.FINDINGS)),
       st.none() | st.integers(0, 10), st.booleans())
def test_a_mark_round_trips_through_its_stored_form(
    region_id: str, finding: str, severity: int | None, left: bool
) -> None:
    region = body.regions()[region_id]
    side = (Laterality.LEFT if left else Laterality.RIGHT) if region.paired \
        else Laterality.NOT_APPLICABLE
    x, y = region.centre(side)
    mark = body.BodyMark(region_id, side, finding, severity, x, y)
    again = body.BodyMark.from_dict(mark.to_dict())
    assert again.to_dict() == mark.to_dict() and again.text() == mark.text()


def test_the_diagrams_side() -> None:
    left = body.BodyMark("calf", Laterality.LEFT, "pain")
    right = body.BodyMark("calf", Laterality.RIGHT, "pain")
    middle = body.BodyMark("sacrum", Laterality.NOT_APPLICABLE, "tension")
    assert body.body_side([]) is None and body.body_side([middle]) is None
    assert body.body_side([left, middle]) is Laterality.LEFT
    assert body.body_side([right]) is Laterality.RIGHT
    assert body.body_side([left, right]) is Laterality.BILATERAL

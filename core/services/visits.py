"""Where and when a visit took place: office, home (with the address), telehealth (with the
modality), and the date of service — also for notes charted after the fact.

Contract:
- ``check_place_and_date(visit, episode, today=)`` is the rule the services apply: a home
  visit (POS 12) needs its address; a telehealth visit (POS 02 / 10) needs its modality
  (audio-video or audio-only); with ``today`` given, the date of service may not be in the
  future nor before the episode started. Raises ``ValidationError`` naming the field.
- ``set_visit_place(chart, visit_id, ...)`` changes a draft's date, place, address, modality
  or time in/out in one unit of work (audited as ``update visit`` with the field names only,
  never the address). A signed note's visit never changes (``SignedNoteImmutable``); a voided one
  neither. The desktop passes ``today`` from its clock; ``notes.start_note`` applies the
  same check when a new note is started.
- Thread: the desktop's database worker or the CLI, never the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import uuid

from core.domain.enums import PlaceOfService, TelehealthModality
from core.domain.episode import Episode
from core.domain.errors import ValidationError
from core.domain.visit import Visit
from core.services.result import Result
from core.storage.chart import ChartSession

_UNSET = object()


def check_place_and_date(visit: Visit, episode: Episode, *, today: dt.date | None) -> None:
    """Raise ``ValidationError`` when the visit's place or date cannot be billed as given."""
    pos = PlaceOfService(visit.place_of_service)
    if pos is PlaceOfService.HOME and not visit.address.strip():
        raise ValidationError(
            "A home visit needs the address where it took place.",
            field="address",
            hint="Type the address (the patient's home address is filled in for you).",
        )
    if pos.is_telehealth and visit.telehealth_modality is None:
        raise ValidationError(
            "Say how the telehealth visit was held: audio and video, or audio only.",
            field="telehealth_modality",
        )
    if today is None:
        return
    if visit.date > today:
        raise ValidationError(
            f"{visit.date:%b %d, %Y} is in the future: chart a visit on or after the day it "
            "took place.",
            field="date",
            hint="Schedule future visits in your calendar; chart them on the day.",
        )
    if visit.date < episode.start_date:
        raise ValidationError(
            f"{visit.date:%b %d, %Y} is before this episode of care started "
            f"({episode.start_date:%b %d, %Y}).",
            field="date",
            hint="Check the date, or chart it in the episode it belongs to.",
        )


def set_visit_place(
    chart: ChartSession,
    visit_id: uuid.UUID,
    *,
    date: dt.date | None = None,
    place_of_service: PlaceOfService | str | None = None,
    address: str | None = None,
    telehealth_modality: TelehealthModality | str | object | None = _UNSET,
    start_time: dt.time | object | None = _UNSET,
    end_time: dt.time | object | None = _UNSET,
    today: dt.date | None = None,
) -> Result[Visit]:
    """Change a draft visit's date of service, place, address, telehealth modality or its
    time in and out (one user action, one unit of work)."""
    with chart.uow() as uow:
        visit = uow.visits.get(visit_id)
        note = uow.notes.for_visit(visit_id)
        if note is not None:
            note.ensure_editable()
        changed: list[str] = []
        if date is not None and date != visit.date:
            visit.date = date
            changed.append("date")
        if place_of_service is not None:
            pos = PlaceOfService(place_of_service)
            if pos != visit.place_of_service:
                visit.place_of_service = pos
                changed.append("place_of_service")
        if address is not None and address != visit.address:
            visit.address = address
            changed.append("address")
        if telehealth_modality is not _UNSET:
            value = (TelehealthModality(telehealth_modality)  # type: ignore[arg-type]
                     if telehealth_modality else None)
            if value != visit.telehealth_modality:
                visit.telehealth_modality = value
                changed.append("telehealth_modality")
        for name, when in (("start_time", start_time), ("end_time", end_time)):
            if when is not _UNSET and when != getattr(visit, name):
                setattr(visit, name, when)
                changed.append(name)
        visit.validate()
        check_place_and_date(visit, uow.episodes.get(visit.episode_id), today=today)
        if changed:
            uow.visits.save(visit)
            uow.record("update", "visit", visit.id, detail=",".join(changed))
        return Result(visit, uow.commit())

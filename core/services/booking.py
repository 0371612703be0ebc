"""Online booking use cases (issue 19): publish the free times, pull the patients' sealed
requests, accept one (patient matched or created + appointment, one transaction) or decline it.

Offline-first: nothing here runs unless the practice publishes a page, and the chart never
waits on the server. Contracts:

- **publish** computes the free slots of the next ``days`` days (from ``lead_hours`` ahead) for
  every clinician with working hours and every offered service (meta ``booking.services``; the
  defaults are ``DEFAULT_OFFER``), and sends them with the services' intake questions and the
  practice's booking public key. No patient data leaves: a slot is a time, a length, a service
  and an opaque id. The key pair is made on the first publish; its private half is kept in the
  chart and, sealed with the practice sync key, on the server for the practice's other devices.
- **pull** fetches the requests; each pending one is opened and kept in the encrypted chart
  (meta ``booking.request.<id>``) before anything else happens, so a request is never lost.
- **accept** books the slot through the schedule's own checks: the patient is matched by name
  and date of birth or created, and the appointment written, in one transaction; a clash (the
  time was booked meanwhile, blocked, outside hours) declines the request on the server with
  the reason, keeps it in the chart, and creates nothing. **decline** frees the slot.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.domain.changes import Changes
from core.domain.enums import PlaceOfService
from core.domain.errors import ChartsideError, InvalidInput, NotFound
from core.domain.patient import Patient
from core.domain.schedule import SERVICES, Appointment
from core.rules import schedule as rules
from core.services.schedule import _check, _window
from core.storage.chart import ChartSession
from core.sync import booking as crypto
from core.sync import config
from core.sync.booking import BookingApi
from syncwire import b64decode, b64encode
from syncwire.booking import (
    MAX_SLOTS,
    BookingPagePost,
    BookingService,
    BookingSlot,
    BookingSnapshot,
    IntakeQuestion,
)

SERVICES_KEY = "booking.services"
SECRET_KEY = "booking.secret"
REQUEST_PREFIX = "booking.request."
_Q = IntakeQuestion
DEFAULT_OFFER: tuple[BookingService, ...] = (
    BookingService(key="evaluation", label="Evaluation (first visit)", minutes=60, questions=[
        _Q(id="reason", label="What brings you in? (the problem, in a few words)", required=True),
        _Q(id="referral", label="Do you have a referral or prescription?", kind="yesno"),
        _Q(id="payer", label="How will you pay?", kind="choice", required=True,
           choices=["Medicare", "Medicaid", "Private insurance", "Self-pay"]),
    ]),
    BookingService(key="daily", label="Treatment visit (returning patient)", minutes=45,
                   questions=[_Q(id="notes", label="Anything we should know before the visit?")]),
)


def offered(chart: ChartSession) -> list[BookingService]:
    with chart.uow() as uow:
        raw = uow.meta.get(SERVICES_KEY)
    if not raw:
        return list(DEFAULT_OFFER)
    return [BookingService.model_validate(s) for s in json.loads(raw)]


def set_offer(chart: ChartSession, services: list[dict[str, Any]]) -> list[BookingService]:
    """The services offered online with their intake questions (refused whole if one is bad)."""
    try:
        parsed = [BookingService.model_validate(s) for s in services]
    except ValueError as exc:
        raise InvalidInput(f"The booking services are not valid: {exc}".splitlines()[0]) from exc
    if not parsed:
        raise InvalidInput("Offer at least one service online.")
    with chart.uow() as uow:
        uow.meta.set(SERVICES_KEY, json.dumps([s.model_dump() for s in parsed]))
        uow.record("update", "chart", chart.chart_id, detail="booking services")
        uow.commit()
    return parsed


@dataclass(frozen=True, slots=True)
class Published:
    url: str
    slots: int
    services: int


TIMEOUT = 20.0  # seconds per call: the app runs these on its database worker


def _api(cfg: config.SyncConfig, transport: httpx.BaseTransport | None) -> BookingApi:
    return BookingApi(cfg.server, cfg.token, transport=transport, timeout=TIMEOUT)


def _secret(chart: ChartSession, cfg: config.SyncConfig, api: BookingApi) -> bytes:
    """This practice's booking private key: the chart's, the server's copy, or a new one."""
    with chart.uow() as uow:
        stored = uow.meta.get(SECRET_KEY)
    if stored:
        return b64decode(stored)
    page = api.page()
    if page is not None and page.key_id in cfg.keys:
        secret = crypto.open_secret(cfg.keys[page.key_id], b64decode(page.sealed_secret))
    else:
        secret, _public = crypto.new_keypair()
    with chart.uow() as uow:
        uow.meta.set(SECRET_KEY, b64encode(secret))
        uow.commit()
    return secret


def _config(chart: ChartSession) -> config.SyncConfig:
    with chart.uow() as uow:
        return config.load(uow.sync.connection, chart.device_id)


def free_slots(chart: ChartSession, secret: bytes, services: list[BookingService], *,
               start: dt.datetime, days: int) -> list[BookingSlot]:
    """Free slots of every clinician with working hours, for every offered service."""
    end = dt.datetime.combine(start.date() + dt.timedelta(days=days), dt.time.min)
    out: list[BookingSlot] = []
    with chart.uow() as uow:
        for clinician in uow.clinicians.list():
            hours = uow.schedule.hours_for(clinician.id)
            if hours is None:
                continue
            taken = _window(uow, start, end, clinician.id)
            blocks = uow.schedule.blocks_between(start, end, clinician.id)
            resource = crypto.resource_id(secret, clinician.id)
            day = start.date()
            while day < end.date():
                for service in services:
                    for t in rules.free_slots(day, service.minutes, clinician.id, hours, taken,
                                              blocks, step=30):
                        if t < start:
                            continue
                        at = t.isoformat(timespec="minutes")
                        out.append(BookingSlot(
                            id=crypto.slot_id(secret, clinician.id, at, service.key),
                            service=service.key, start=at, minutes=service.minutes,
                            resource=resource))
                day += dt.timedelta(days=1)
    out.sort(key=lambda s: (s.start, s.service, s.id))
    return out[:MAX_SLOTS]


def publish(chart: ChartSession, *, days: int = 14, lead_hours: int = 12,
            hold_hours: int = 48, now: dt.datetime | None = None,
            transport: httpx.BaseTransport | None = None) -> Published:
    if not 1 <= days <= 60 or not 0 <= lead_hours <= 24 * 14 or not 1 <= hold_hours <= 14 * 24:
        raise InvalidInput("Publish 1–60 days ahead, hold a request 1–336 hours.")
    now = now or dt.datetime.now()
    cfg = _config(chart)
    services = offered(chart)
    with chart.uow() as uow:
        practice = uow.practice.get()
    name = (practice.name if practice else "") or "our practice"
    with _api(cfg, transport) as api:
        secret = _secret(chart, cfg, api)
        slots = free_slots(chart, secret, services,
                           start=(now + dt.timedelta(hours=lead_hours)).replace(
                               second=0, microsecond=0), days=days)
        page = api.publish(BookingPagePost(
            public_key=b64encode(crypto.public_of(secret)),
            sealed_secret=b64encode(crypto.seal_secret(cfg.key, secret)),
            key_id=cfg.key_id or "",
            snapshot=BookingSnapshot(practice_name=name[:120], services=services, slots=slots),
            hold_hours=hold_hours,
        ))
    with chart.uow() as uow:
        uow.record("export", "booking_page", page.slug,
                   detail=f"{len(slots)} free slots, {len(services)} services")
        uow.commit()
    return Published(f"{cfg.server.rstrip('/')}/book/{page.slug}", len(slots), len(services))


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """A request as the practice sees it (opened on this device; the PHI stays in the chart)."""

    request_id: uuid.UUID
    status: str  # pending / accepted / declined / expired / unreadable
    start: str
    minutes: int
    service: str
    slot_id: str
    first_name: str = ""
    last_name: str = ""
    date_of_birth: str = ""
    phone: str = ""
    email: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    appointment_id: str = ""
    slug: str = ""


def _store(chart: ChartSession, req: BookingRequest) -> None:
    with chart.uow() as uow:
        uow.meta.set(REQUEST_PREFIX + str(req.request_id),
                     json.dumps({k: getattr(req, k) for k in req.__dataclass_fields__},
                                default=str))
        uow.commit()


def _load(chart: ChartSession, request_id: uuid.UUID) -> BookingRequest:
    with chart.uow() as uow:
        raw = uow.meta.get(REQUEST_PREFIX + str(request_id))
    if raw is None:
        raise NotFound(f"No booking request {request_id} on this device.",
                       hint="chartside booking requests pulls and lists them.")
    data = json.loads(raw)
    data["request_id"] = uuid.UUID(data["request_id"])
    return BookingRequest(**data)


def _text(value: Any, limit: int = 1000) -> str:
    return " ".join(str(value or "").split())[:limit]


def pull(chart: ChartSession, *, transport: httpx.BaseTransport | None = None
         ) -> list[BookingRequest]:
    """Fetch, open and keep every request; returns this device's view, oldest first.

    A request that does not open (sealed to another key, altered) is kept as ``unreadable``
    with nothing but its slot, so it can be declined to free the slot; the others still open.
    An answer this device recorded but the server has not heard (offline at the time) is sent
    again."""
    cfg = _config(chart)
    out: list[BookingRequest] = []
    with _api(cfg, transport) as api:
        secret = _secret(chart, cfg, api)
        page = api.page()
        slug = page.slug if page else ""
        for item in api.requests():
            try:
                known: BookingRequest | None = _load(chart, item.request_id)
            except NotFound:
                known = None
            if known is not None:
                if known.status in ("accepted", "declined") and item.status == "pending":
                    api.decide(item.request_id, known.status)  # the answer was not delivered
                elif known.status != item.status and known.status not in ("accepted",
                                                                           "declined"):
                    known = BookingRequest(**{**_asdict(known), "status": item.status})
                    _store(chart, known)
                out.append(known)
                continue
            if item.envelope is None:
                continue  # answered before this device saw it (another device holds it)
            base: dict[str, Any] = {"request_id": item.request_id, "start": item.start,
                    "minutes": item.minutes, "service": item.service, "slot_id": item.slot_id,
                    "slug": slug}
            try:
                plain = json.loads(crypto.open_request(secret, item.envelope,
                                                       f"{slug}:{item.slot_id}"))
                if not isinstance(plain, dict):
                    raise ValueError("not an object")
            except (crypto.BookingKeyError, ValueError) as exc:
                req = BookingRequest(status="unreadable", reason=(
                    f"This request could not be opened: {exc}".splitlines()[0][:200]), **base)
                _store(chart, req)
                out.append(req)
                continue
            req = BookingRequest(
                status=item.status,
                first_name=_text(plain.get("first_name"), 80),
                last_name=_text(plain.get("last_name"), 80),
                date_of_birth=_text(plain.get("date_of_birth"), 10),
                phone=_text(plain.get("phone"), 40), email=_text(plain.get("email"), 200),
                answers={_text(k, 40): _text(v)
                         for k, v in dict(plain.get("answers") or {}).items()},
                questions={_text(k, 40): _text(v, 200)
                           for k, v in dict(plain.get("questions") or {}).items()},
                **base,
            )
            _store(chart, req)
            out.append(req)
    with chart.uow() as uow:
        uow.record("view", "booking_requests", chart.chart_id, detail=f"{len(out)} requests")
        uow.commit()
    return out


def _asdict(req: BookingRequest) -> dict[str, Any]:
    return {k: getattr(req, k) for k in req.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Decision:
    request: BookingRequest
    booked: bool
    appointment_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    new_patient: bool = False
    changes: Changes | None = None  # what the booking wrote (the app refreshes from it)


def _clinician_for(chart: ChartSession, secret: bytes, req: BookingRequest) -> uuid.UUID:
    with chart.uow() as uow:
        for clinician in uow.clinicians.list():
            if crypto.slot_id(secret, clinician.id, req.start, req.service) == req.slot_id:
                return clinician.id
    raise InvalidInput("This slot was not published by this practice (no clinician matches it).")


def _book(chart: ChartSession, req: BookingRequest, clinician_id: uuid.UUID
          ) -> tuple[uuid.UUID, uuid.UUID, bool, Changes]:
    """Match or create the patient and book, in one transaction."""
    try:
        born = dt.date.fromisoformat(req.date_of_birth)
    except ValueError:
        raise InvalidInput("The request has no valid date of birth.") from None
    kind = SERVICES.get(req.service)
    with chart.uow() as uow:
        same = uow.patients.same_person(req.first_name, req.last_name, born)
        new = not same
        if same:
            patient_id = same[0].id
        else:
            patient = Patient(first_name=req.first_name, last_name=req.last_name,
                              date_of_birth=born, phone=req.phone, email=req.email)
            uow.patients.save(patient)
            uow.record("create", "patient", patient.id, detail="online booking")
            patient_id = patient.id
        appt = Appointment(patient_id, clinician_id, dt.datetime.fromisoformat(req.start),
                           req.minutes, service=req.service,
                           place=kind.place if kind else PlaceOfService.OFFICE)
        _check(uow, appt, False)
        uow.schedule.save_appointments([appt])
        uow.record("create", "appointment", appt.id, detail="online booking")
        done = BookingRequest(**{**_asdict(req), "status": "accepted",
                                 "appointment_id": str(appt.id)})
        uow.meta.set(REQUEST_PREFIX + str(req.request_id), json.dumps(_asdict(done), default=str))
        changes = uow.commit()
    return appt.id, patient_id, new, changes


def accept(chart: ChartSession, request_id: uuid.UUID, *,
           transport: httpx.BaseTransport | None = None) -> Decision:
    """Book the request (see module doc); a clash declines it with the reason."""
    req = _load(chart, request_id)
    cfg = _config(chart)
    if req.status in ("declined", "unreadable", "expired"):
        raise InvalidInput(f"This request is {req.status}: {req.reason or 'no reason given'}.",
                           hint="Contact the patient, or book them by hand.")
    with _api(cfg, transport) as api:
        if req.status == "accepted":  # booked here before; make sure the server knows
            api.decide(request_id, "accepted")
            return Decision(req, True, uuid.UUID(req.appointment_id))
        secret = _secret(chart, cfg, api)
        try:
            clinician_id = _clinician_for(chart, secret, req)
            appt_id, patient_id, new, changes = _book(chart, req, clinician_id)
        except ChartsideError as exc:
            declined = _decline(chart, api, req, f"Could not book: {exc.message}")
            return Decision(declined, False)
        api.decide(request_id, "accepted")
    return Decision(_load(chart, request_id), True, appt_id, patient_id, new, changes)


def _decline(chart: ChartSession, api: BookingApi, req: BookingRequest, reason: str
             ) -> BookingRequest:
    declined = BookingRequest(**{**_asdict(req), "status": "declined", "reason": reason})
    _store(chart, declined)  # kept before the server hears of it: nothing is lost
    api.decide(req.request_id, "declined")
    with chart.uow() as uow:
        uow.record("update", "booking_request", str(req.request_id), detail="declined")
        uow.commit()
    return declined


def decline(chart: ChartSession, request_id: uuid.UUID, reason: str = "", *,
            transport: httpx.BaseTransport | None = None) -> BookingRequest:
    req = _load(chart, request_id)
    if req.status == "accepted":
        raise InvalidInput("This request is already booked; cancel the appointment instead.")
    cfg = _config(chart)
    with _api(cfg, transport) as api:
        return _decline(chart, api, req, _text(reason, 200) or "Declined by the practice.")

"""``chartside schedule``: the day's appointments, booking (once or recurring), cancel and
no-show, and the clinician's calendar feed (issue 19). Thin shells over
``core.services.schedule``; a clash, blocked time or a time outside working hours exits 2 naming
what is in the way, and nothing is booked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import uuid
from pathlib import Path

from core.rules.schedule_text import parse_span as _span
from core.rules.schedule_text import parse_weekdays as _weekdays
from desktop.cli.common import open_chart_for as _open


def _uuid(text: str, what: str) -> uuid.UUID:
    from core.domain.errors import InvalidInput

    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInput(f"{text[:40]!r} is not a {what} id.") from None


def _clinician(session: object, text: str | None) -> uuid.UUID | None:
    if not text:
        return None
    from desktop.cli.users import _clinician as by_name

    return by_name(session, text)


def cmd_day(args: argparse.Namespace) -> int:
    from core.domain.errors import InvalidInput
    from core.services import schedule

    try:
        on = dt.date.fromisoformat(args.day) if args.day else dt.date.today()
    except ValueError:
        raise InvalidInput("The day is YYYY-MM-DD.") from None
    session = _open(args)
    try:
        items = schedule.day(session, on, _clinician(session, args.clinician))
    finally:
        session.lock()
    if args.json:
        print(json.dumps([{"id": str(a.id), "start": a.start.isoformat(timespec="minutes"),
                           "minutes": a.minutes, "service": a.service, "status": a.status.value,
                           "patient_id": str(a.patient_id), "clinician_id": str(a.clinician_id),
                           "place": a.place.value,
                           "series_id": str(a.series_id) if a.series_id else None}
                          for a in items], indent=2))
        return 0
    if not items:
        print(f"Nothing booked on {on}.")
    for a in items:
        repeat = "  (recurring)" if a.series_id else ""
        print(f"{a.start:%H:%M}–{a.end:%H:%M}  {a.service}  {a.status.value}  {a.id}{repeat}")
    return 0


def cmd_book(args: argparse.Namespace) -> int:
    from core.domain.errors import InvalidInput
    from core.services import schedule

    try:
        start = dt.datetime.strptime(args.at, "%Y-%m-%d %H:%M")
    except ValueError:
        raise InvalidInput('--at is "YYYY-MM-DD HH:MM".') from None
    session = _open(args)
    try:
        clinician = _clinician(session, args.clinician) or _current(session)
        booked = schedule.book(session, _uuid(args.patient, "patient"), clinician, start,
                               args.minutes, service=args.service, address=args.address,
                               repeat=args.repeat, allow_outside_hours=args.outside_hours)
    finally:
        session.lock()
    if booked.series is not None:
        print(f"Booked {booked.occurrences} appointments (series {booked.series.id}).")
    elif booked.appointment is not None:
        print(f"Booked {booked.appointment.start:%a %b %d %H:%M} ({booked.appointment.id}).")
    return 0


def _current(session: object) -> uuid.UUID:
    from core.domain.errors import InvalidInput

    actor = getattr(session, "actor", "")
    try:
        return uuid.UUID(str(actor))
    except ValueError:
        raise InvalidInput("Say which clinician: --clinician NAME.") from None


def cmd_status(args: argparse.Namespace) -> int:
    from core.domain.schedule import AppointmentStatus
    from core.services import schedule

    status = {"cancel": AppointmentStatus.CANCELLED, "no-show": AppointmentStatus.NO_SHOW,
              "arrived": AppointmentStatus.ARRIVED,
              "completed": AppointmentStatus.COMPLETED}[args.schedule_command]
    session = _open(args)
    try:
        change = schedule.set_status(session, _uuid(args.appointment, "appointment"), status,
                                     args.reason)
    finally:
        session.lock()
    print(f"Marked {change.appointment.status.value.replace('_', ' ')}.")
    if change.fee_cents:
        print(f"The practice's fee for this: ${change.fee_cents / 100:,.2f}.")
    if change.offers:
        print(f"{len(change.offers)} patient(s) on the waitlist could take this slot.")
    return 0


def cmd_ics(args: argparse.Namespace) -> int:
    from core.services import schedule
    from core.storage import files

    session = _open(args)
    try:
        clinician = _clinician(session, args.clinician) or _current(session)
        data = schedule.calendar(session, clinician, dt.date.today() - dt.timedelta(days=7),
                                 with_initials=args.initials)
    finally:
        session.lock()
    files.write_atomic(Path(args.out), data, what="the calendar")
    print(f"Calendar written to {args.out} (no names, addresses or reasons in it).")
    return 0




def cmd_hours(args: argparse.Namespace) -> int:
    from core.services import schedule

    days: list[list[tuple[dt.time, dt.time]]] = [[] for _ in range(7)]
    for spec in args.spec:  # "Mon-Fri=08:00-12:00,13:00-17:00"
        from core.domain.errors import InvalidInput

        if "=" not in spec:
            raise InvalidInput(f"{spec[:40]!r} is not DAYS=HH:MM-HH:MM[,HH:MM-HH:MM].")
        which, spans = spec.split("=", 1)
        for day in _weekdays(which):
            days[day] = [_span(x) for x in spans.split(",") if x.strip()]
    session = _open(args)
    try:
        clinician = _clinician(session, args.clinician) or _current(session)
        schedule.set_hours(session, clinician, tuple(tuple(d) for d in days))
    finally:
        session.lock()
    print("Working hours saved.")
    return 0


def cmd_block(args: argparse.Namespace) -> int:
    from core.domain.errors import InvalidInput
    from core.services import schedule

    try:
        start = dt.datetime.strptime(args.start, "%Y-%m-%d %H:%M")
        end = dt.datetime.strptime(args.end, "%Y-%m-%d %H:%M")
    except ValueError:
        raise InvalidInput('--from and --to are "YYYY-MM-DD HH:MM".') from None
    session = _open(args)
    try:
        clinician = _clinician(session, args.clinician) or _current(session)
        schedule.block_time(session, clinician, start, end, args.label)
    finally:
        session.lock()
    print(f"Blocked {start:%a %b %d %H:%M}–{end:%H:%M}.")
    return 0


def cmd_waitlist(args: argparse.Namespace) -> int:
    from core.domain.schedule import WaitlistEntry
    from core.services import schedule

    session = _open(args)
    try:
        if args.waitlist_command == "add":
            early, late = _span(args.window)
            entry = WaitlistEntry(_uuid(args.patient, "patient"), args.service,
                                  dt.datetime.now().replace(microsecond=0),
                                  clinician_id=_clinician(session, args.clinician),
                                  weekdays=tuple(_weekdays(args.days)), earliest=early,
                                  latest=late)
            schedule.add_to_waitlist(session, entry)
            print("Added to the waitlist.")
            return 0
        entries = schedule.waitlist(session)
    finally:
        session.lock()
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    for e in entries:
        days = ",".join(names[d] for d in e.weekdays)
        print(f"{e.since:%Y-%m-%d}  {e.patient_id}  {e.service}  {days} "
              f"{e.earliest:%H:%M}-{e.latest:%H:%M}")
    if not entries:
        print("The waitlist is empty.")
    return 0


def cmd_policy(args: argparse.Namespace) -> int:
    from core.rules.schedule import CancellationPolicy
    from core.services import schedule

    session = _open(args)
    try:
        schedule.set_policy(session, CancellationPolicy(
            args.late_hours, round(args.late_fee * 100), round(args.no_show_fee * 100)))
    finally:
        session.lock()
    print("Cancellation policy saved.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("schedule", help="appointments: a day, book, cancel, no-show, .ics")
    p.add_argument("--day", default=None, help="YYYY-MM-DD (default: today)")
    p.add_argument("--clinician", default=None, help="id or the start of their name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_day)
    sch = p.add_subparsers(dest="schedule_command")
    q = sch.add_parser("book", help="book an appointment (or a series with --repeat)")
    q.add_argument("--patient", required=True, help="patient id")
    q.add_argument("--at", required=True, help='"YYYY-MM-DD HH:MM" (local time)')
    q.add_argument("--minutes", type=int, default=None, help="default: the service's")
    q.add_argument("--service", default="daily", help="evaluation, daily, massage-60, …")
    q.add_argument("--address", default="", help="for a home visit")
    q.add_argument("--repeat", default=None, help="RRULE, e.g. FREQ=WEEKLY;BYDAY=MO,TH;COUNT=12")
    q.add_argument("--clinician", default=None, help="default: the current clinician")
    q.add_argument("--outside-hours", action="store_true", help="book outside working hours")
    q.set_defaults(fn=cmd_book)
    for name in ("cancel", "no-show", "arrived", "completed"):
        q = sch.add_parser(name, help=f"mark an appointment {name}")
        q.add_argument("appointment", help="appointment id (schedule --day lists them)")
        q.add_argument("--reason", default="", required=name in ("cancel", "no-show"))
        q.set_defaults(fn=cmd_status)
    q = sch.add_parser("hours", help="a clinician's working hours")
    q.add_argument("spec", nargs="+", help='e.g. "Mon-Fri=08:00-12:00,13:00-17:00" "Sat="')
    q.add_argument("--clinician", default=None)
    q.set_defaults(fn=cmd_hours)
    q = sch.add_parser("block", help="block time (meeting, holiday)")
    q.add_argument("--from", dest="start", required=True, help='"YYYY-MM-DD HH:MM"')
    q.add_argument("--to", dest="end", required=True, help='"YYYY-MM-DD HH:MM"')
    q.add_argument("--label", default="Blocked")
    q.add_argument("--clinician", default=None)
    q.set_defaults(fn=cmd_block)
    q = sch.add_parser("waitlist", help="patients waiting for a slot")
    wl = q.add_subparsers(dest="waitlist_command", required=True)
    w = wl.add_parser("add")
    w.add_argument("--patient", required=True)
    w.add_argument("--service", default="daily")
    w.add_argument("--days", default="Mon-Fri")
    w.add_argument("--window", default="07:00-19:00", help="HH:MM-HH:MM")
    w.add_argument("--clinician", default=None)
    w.set_defaults(fn=cmd_waitlist)
    wl.add_parser("list").set_defaults(fn=cmd_waitlist)
    q = sch.add_parser("policy", help="late-cancel window and fees")
    q.add_argument("--late-hours", type=int, default=24)
    q.add_argument("--late-fee", type=float, default=0.0, help="dollars")
    q.add_argument("--no-show-fee", type=float, default=0.0, help="dollars")
    q.set_defaults(fn=cmd_policy)
    from desktop.cli.booking import add_reminders

    add_reminders(sch)  # schedule reminders [--send] | setup (desktop/cli/booking.py)
    q = sch.add_parser("ics", help="the clinician's calendar feed (no PHI)")
    q.add_argument("--clinician", default=None)
    q.add_argument("--out", required=True)
    q.add_argument("--initials", action="store_true", help="add patients' initials")
    q.set_defaults(fn=cmd_ics)

"""``chartside booking`` (online booking) and ``chartside schedule reminders`` (issue 19).

Thin shells over ``core.services.booking`` and ``core.services.reminders``:

- ``booking publish [--days N] [--hold-hours H]`` prints the page's address (paste it into the
  Google Business Profile); ``booking services --from FILE.json`` sets the services offered and
  their intake questions; ``booking requests [--json]`` pulls, opens and lists the requests;
  ``booking accept ID`` books one (a clash declines it, prints why and exits 2);
  ``booking decline ID [--reason R]``.
- ``schedule reminders`` lists the reminders due now (24–48 h ahead); ``--send`` sends them;
  ``schedule reminders setup --host H [--port 587] [--user U] --from ADDR [--no-starttls]
  [--no-first-name]`` saves the practice's mail settings (the password from
  ``$CHARTSIDE_SMTP_PASSWORD`` or a prompt when ``--user`` is given).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import uuid
from pathlib import Path

from desktop.cli.common import open_chart_for as _open


def _request_id(text: str) -> uuid.UUID:
    from core.domain.errors import InvalidInput

    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInput(f"{text[:40]!r} is not a booking request id.") from None


def cmd_publish(args: argparse.Namespace) -> int:
    from core.services import booking

    session = _open(args)
    try:
        done = booking.publish(session, days=args.days, hold_hours=args.hold_hours)
    finally:
        session.lock()
    print(f"Published {done.slots} free times for {done.services} services.")
    print(f"Booking page: {done.url}")
    return 0


def cmd_services(args: argparse.Namespace) -> int:
    from core.domain.errors import InvalidInput
    from core.services import booking

    try:
        services = json.loads(Path(args.source).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"Cannot read {args.source}: {exc}") from None
    if not isinstance(services, list):
        raise InvalidInput("The file must hold a JSON list of services.")
    session = _open(args)
    try:
        saved = booking.set_offer(session, services)
    finally:
        session.lock()
    print(f"{len(saved)} services offered online: {', '.join(s.label for s in saved)}.")
    return 0


def cmd_requests(args: argparse.Namespace) -> int:
    from core.services import booking

    session = _open(args)
    try:
        items = booking.pull(session)
    finally:
        session.lock()
    if args.json:
        print(json.dumps([{k: getattr(r, k) for k in r.__dataclass_fields__} for r in items],
                         indent=2, default=str))
        return 0
    if not items:
        print("No booking requests.")
    for r in items:
        print(f"{r.request_id}  {r.status:<8}  {r.start.replace('T', ' ')}  {r.service}  "
              f"{r.first_name} {r.last_name}  {r.email}  {r.phone}")
        for key, answer in r.answers.items():
            print(f"    {r.questions.get(key, key)}: {answer}")
        if r.reason:
            print(f"    {r.reason}")
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    from core.services import booking

    session = _open(args)
    try:
        done = booking.accept(session, _request_id(args.request))
    finally:
        session.lock()
    if not done.booked:
        print(f"Declined: {done.request.reason}")
        print("The request is kept in the chart (booking requests lists it); the slot is free.")
        return 2
    who = "new patient" if done.new_patient else "existing patient"
    print(f"Booked {done.request.start.replace('T', ' ')} for {done.request.first_name} "
          f"{done.request.last_name} ({who}); appointment {done.appointment_id}.")
    return 0


def cmd_decline(args: argparse.Namespace) -> int:
    from core.services import booking

    session = _open(args)
    try:
        req = booking.decline(session, _request_id(args.request), args.reason)
    finally:
        session.lock()
    print(f"Declined ({req.reason}); the slot is free again.")
    return 0


def cmd_reminders(args: argparse.Namespace) -> int:
    from core.domain.errors import InvalidInput
    from core.services import reminders

    now = None
    if args.at:
        try:
            now = dt.datetime.strptime(args.at, "%Y-%m-%d %H:%M")
        except ValueError:
            raise InvalidInput('--at is "YYYY-MM-DD HH:MM".') from None
    session = _open(args)
    try:
        if not args.send:
            items = reminders.due(session, now)
            if not items:
                print("No reminders due.")
            for d in items:
                to = d.recipient or f"skipped: {d.skipped}"
                print(f"{d.appointment.start:%a %b %d %H:%M}  {d.appointment.id}  {to}")
            return 0
        report = reminders.send_due(session, now)
    finally:
        session.lock()
    print(f"Sent {len(report.sent)} reminders.")
    for d in report.skipped:
        print(f"Skipped {d.appointment.start:%a %b %d %H:%M} ({d.appointment.id}): {d.skipped}")
    return 0


def cmd_reminders_setup(args: argparse.Namespace) -> int:
    from core.services import reminders

    password = None
    if args.user:
        password = os.environ.get("CHARTSIDE_SMTP_PASSWORD") or getpass.getpass(
            "Mail server password: ")
    settings = reminders.SmtpSettings(host=args.host, port=args.port, user=args.user or "",
                                      sender=args.sender, starttls=not args.no_starttls)
    session = _open(args)
    try:
        saved = reminders.set_smtp(session, settings, password,
                                   first_name=not args.no_first_name)
    finally:
        session.lock()
    tls = "STARTTLS" if saved.starttls else "no TLS"
    print(f"Reminders will be sent through {saved.host}:{saved.port} ({tls}) as {saved.sender}.")
    return 0


def cmd_reminders_opt_out(args: argparse.Namespace) -> int:
    import uuid

    from core.domain.errors import InvalidInput
    from core.services import patients

    try:
        patient_id = uuid.UUID(args.patient)
    except ValueError:
        raise InvalidInput(f"{args.patient[:40]!r} is not a patient id.") from None
    session = _open(args)
    try:
        patients.update_patient(session, patient_id, no_reminders=not args.undo)
    finally:
        session.lock()
    print("Reminders will be sent to this patient again." if args.undo
          else "No more appointment reminders for this patient.")
    return 0


def add_reminders(sch: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``schedule reminders`` (hooked into ``desktop.cli.schedule.register``)."""
    q = sch.add_parser("reminders", help="e-mail reminders 24–48 h before appointments")
    q.add_argument("--send", action="store_true", help="send them (default: list what is due)")
    q.add_argument("--at", default=None, help='"YYYY-MM-DD HH:MM" instead of now')
    q.set_defaults(fn=cmd_reminders)
    sub = q.add_subparsers(dest="reminders_command")
    s = sub.add_parser("setup", help="the practice's mail server (SMTP)")
    s.add_argument("--host", required=True)
    s.add_argument("--port", type=int, default=587)
    s.add_argument("--user", default="")
    s.add_argument("--from", dest="sender", required=True, help="the From address")
    s.add_argument("--no-starttls", action="store_true", help="plain SMTP (not recommended)")
    s.add_argument("--no-first-name", action="store_true",
                   help="greet patients without their first name")
    s.set_defaults(fn=cmd_reminders_setup)
    o = sub.add_parser("opt-out", help="a patient who asked for no reminders (--undo: send again)")
    o.add_argument("patient", help="patient id")
    o.add_argument("--undo", action="store_true")
    o.set_defaults(fn=cmd_reminders_opt_out)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("booking", help="online booking: publish free times, answer requests")
    b = p.add_subparsers(dest="booking_command", required=True)
    q = b.add_parser("publish", help="publish the free times and print the page's address")
    q.add_argument("--days", type=int, default=14)
    q.add_argument("--hold-hours", type=int, default=48,
                   help="how long a request holds its slot unanswered")
    q.set_defaults(fn=cmd_publish)
    q = b.add_parser("services", help="services offered online with their intake questions")
    q.add_argument("--from", dest="source", required=True, help="a JSON file (docs/booking.md)")
    q.set_defaults(fn=cmd_services)
    q = b.add_parser("requests", help="pull, open and list booking requests")
    q.add_argument("--json", action="store_true")
    q.set_defaults(fn=cmd_requests)
    q = b.add_parser("accept", help="book a request (a clash declines it)")
    q.add_argument("request")
    q.set_defaults(fn=cmd_accept)
    q = b.add_parser("decline", help="decline a request (the slot is free again)")
    q.add_argument("request")
    q.add_argument("--reason", default="")
    q.set_defaults(fn=cmd_decline)

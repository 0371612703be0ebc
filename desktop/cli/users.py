"""``chartside users list|add|remove``: each clinician unlocks with a passphrase of their own.

Thin shells over ``core.services.users``. ``--user WHO`` (global; an id or the start of a
user's name as listed) unlocks as that user with their passphrase. Adding or removing users
needs the chart owner's passphrase (exit 2 otherwise). The new user's passphrase comes from
``CHARTSIDE_NEW_PASSPHRASE`` or is asked twice on the terminal.
"""

from __future__ import annotations

import argparse
import json
import uuid

from desktop.cli.common import ENV_NEW_PASSPHRASE, resolve_user
from desktop.cli.common import new_passphrase as _new_passphrase
from desktop.cli.common import open_chart_for as _open


def cmd_users_list(args: argparse.Namespace) -> int:
    from core.services import users

    entries = users.list_users(args.chart)
    if args.json:
        print(json.dumps([{"id": u.user_id, "label": u.label, "role": u.role} for u in entries],
                         indent=2))
        return 0
    if not entries:
        print("Only the chart owner's passphrase opens this chart (no users added).")
    for u in entries:
        print(f"{u.user_id}  {u.label}  ({u.role})")
    return 0


def _clinician(session: object, text: str) -> uuid.UUID:
    """A clinician by id, or by the start of their name (``Ada Q``) when that is unambiguous."""
    from core.domain.errors import InvalidInput
    from core.services import practice

    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    wanted = " ".join(text.lower().split())
    found = [c for c in practice.list_clinicians(session)  # type: ignore[arg-type]
             if f"{c.first_name} {c.last_name}".lower().startswith(wanted) and wanted]
    if len(found) != 1:
        raise InvalidInput(
            f"{'No' if not found else 'More than one'} clinician matches {text[:40]!r}.",
            hint="Give the clinician's id or more of their name.")
    return found[0].id


def cmd_users_add(args: argparse.Namespace) -> int:
    from core.services import users

    session = _open(args)
    try:
        clinician = _clinician(session, args.clinician)
        entry = users.add_user(session, clinician, _new_passphrase(ENV_NEW_PASSPHRASE),
                               role="owner" if args.owner else "clinician")
    finally:
        session.lock()
    print(f"{entry.label} can now unlock this chart with their own passphrase "
          f"(chartside --user {entry.user_id[:8]} …).")
    return 0


def cmd_users_remove(args: argparse.Namespace) -> int:
    from core.services import users

    session = _open(args)
    try:
        users.remove_user(session, resolve_user(args.chart, args.clinician))
    finally:
        session.lock()
    print("Removed: that clinician's passphrase no longer opens this chart.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("users", help="clinicians who unlock with a passphrase of their own")
    us = p.add_subparsers(dest="users_command", required=True)
    q = us.add_parser("list", help="who can unlock (no passphrase needed)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(fn=cmd_users_list)
    q = us.add_parser("add", help="give a clinician their own passphrase (owner only)")
    q.add_argument("clinician", help="clinician id or the start of their name")
    q.add_argument("--owner", action="store_true", help="may add and remove users too")
    q.set_defaults(fn=cmd_users_add)
    q = us.add_parser("remove", help="take a clinician's passphrase away (owner only)")
    q.add_argument("clinician", help="user id or the start of their name (users list)")
    q.set_defaults(fn=cmd_users_remove)

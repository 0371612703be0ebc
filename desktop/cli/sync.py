"""``chartside sync ...``: join a practice's sync server, sync now, see the state of sync.

    chartside --chart PATH sync enroll --server URL --code CODE --name NAME
    chartside --chart PATH sync now
    chartside --chart PATH sync status [--json]
    chartside --chart PATH sync devices
    chartside --chart PATH sync approve DEVICE_ID      (prints the pairing code to type)
    chartside --chart PATH sync pair CODE              (on the new device)
    chartside --chart PATH sync revoke DEVICE_ID         (rotates the practice key)
    chartside --chart PATH sync rotate-key
    chartside --chart PATH sync conflicts [--all]
    chartside --chart PATH sync resolve CONFLICT_ID --keep local|remote
    chartside --chart PATH sync ack NOTICE_ID
    chartside --chart PATH sync history RECORD_ID

Thin shell over ``core.services.sync``: parse, call, print. Failures are ``ChartsideError``s
(sync failures exit with status 11) printed as one line by ``desktop.cli.main``. ``conflicts``
and ``history`` show the records and values in question (the user's own chart, on their own
screen, as ``patients`` does); everything else prints counts, ids, device names and times.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from core.domain.ids import parse_id

if TYPE_CHECKING:  # httpx (with click, rich, pygments) costs ~70 ms at start-up: loaded by sync
    import httpx

TRANSPORT: httpx.BaseTransport | None = None
"""Tests point this at the in-process server; ``None`` means real HTTP."""


def _session(args: argparse.Namespace) -> Any:
    from desktop.cli.common import open_chart_for as _open

    return _open(args)


def cmd_enroll(args: argparse.Namespace) -> int:
    from core.services import sync

    session = _session(args)
    try:
        result = sync.enroll(
            session, server=args.server, code=args.code, device_name=args.name, transport=TRANSPORT
        )
    finally:
        session.lock()
    print(
        f"Enrolled as device {result.device_id} ({result.device_name}), "
        f"key fingerprint {result.fingerprint}."
    )
    if result.created_key:
        print(
            "This is the practice's first device: a new practice sync key was created and "
            "stored in this chart. Back up the chart; its recovery key also protects sync."
        )
    elif result.key_ready:
        print("This chart already holds the practice sync key.")
    else:
        print(
            "Next: on a device that already syncs, run `chartside sync approve "
            f"{result.device_id}` and type the code it shows with `chartside sync pair CODE`."
        )
    return 0


def cmd_now(args: argparse.Namespace) -> int:
    from core.services import sync

    session = _session(args)
    try:
        report = sync.sync_now(session, transport=TRANSPORT)
        state = sync.status(session)
    finally:
        session.lock()
    print(f"Sent {report.pushed} change(s), received {report.pulled} in {report.seconds:.2f} s.")
    lost_to_signature = report.refused - report.reissued
    if lost_to_signature:
        print(
            f"{lost_to_signature} change(s) lost a race to a signature; their text was kept as "
            "addendum drafts."
        )
    if report.reissued:
        print(
            f"{report.reissued} change(s) reused ids the server already holds with other "
            "content (this chart was restored from a backup); their content was sent again "
            "as new versions. Nothing was lost."
        )
    if report.resent:
        print(
            f"The sync server's log was restored or replaced: {report.resent} version(s) it "
            "lacked were sent again."
        )
    _attention(state)
    return 0


def _attention(state: Any) -> None:
    if state.conflicts:
        print(
            f"{state.conflicts} record(s) were changed on two devices and need a decision: "
            "see `chartside sync conflicts`."
        )
    if state.notices:
        print(
            f"{state.notices} notice(s): changes merged automatically or a restored server; "
            "see `chartside sync conflicts`."
        )
    if state.addendum_drafts:
        print(f"{state.addendum_drafts} addendum draft(s) wait for review in the app.")
    if state.stuck:
        print(f"{state.stuck} change(s) could not be sent after several tries; they are kept.")


def cmd_status(args: argparse.Namespace) -> int:
    from core.services import sync

    session = _session(args)
    try:
        state = sync.status(session)
    finally:
        session.lock()
    if args.json:
        data = dict(state.__dict__)
        data["state"] = state.state
        print(json.dumps(data, indent=2))
        return 0
    if not state.enrolled:
        print(f"Sync is off for this chart. {state.pending} change(s) are kept for when it is on.")
        return 0
    print(f"Server:        {state.server}")
    print(f"This device:   {state.device_name} ({state.device_id})")
    print(f"State:         {state.state}")
    print(f"Last sync:     {state.last_ok_at or 'never'}")
    print(f"Pending:       {state.pending} change(s)")
    if state.last_error:
        print(f"Last problem:  {state.last_error}")
    if not state.key_ready:
        print(
            "Waiting for the practice key: approve this device on another one, then "
            "`chartside sync pair CODE`."
        )
    _attention(state)
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from core.services import sync

    session = _session(args)
    try:
        rows = sync.list_devices(session, transport=TRANSPORT)
    finally:
        session.lock()
    for d in rows:
        flags = " (this device)" if d.current else ""
        flags += f" revoked {d.revoked_at:%Y-%m-%d}" if d.revoked_at else ""
        print(
            f"{d.device_id}  {d.name:<24} key {d.fingerprint or '-':<9} "
            f"since {d.created_at:%Y-%m-%d}{flags}"
        )
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    from core.services import sync

    session = _session(args)
    try:
        approval = sync.approve_device(session, parse_id(args.device_id), transport=TRANSPORT)
    finally:
        session.lock()
    print(f"Approved {approval.device_name} (key fingerprint {approval.fingerprint}).")
    print("On that device, type this pairing code (it is not stored anywhere):")
    print(f"\n    {approval.pairing_code}\n")
    return 0


def cmd_pair(args: argparse.Namespace) -> int:
    from core.services import sync

    session = _session(args)
    try:
        key_id = sync.pair(session, args.code, transport=TRANSPORT)
    finally:
        session.lock()
    print(f"Received the practice sync key ({key_id}). Run `chartside sync now` to sync.")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from core.services import sync

    session = _session(args)
    try:
        before = sync.status(session).key_id
        row = sync.revoke_device(session, parse_id(args.device_id), transport=TRANSPORT)
        after = sync.status(session).key_id
    finally:
        session.lock()
    print(f"Revoked {row.name} ({row.device_id}). Its token is refused from now on.")
    if after != before:
        print(
            f"The practice sync key was rotated ({before} → {after}) and handed to the other "
            "active devices: what is written from now on is sealed under a key the revoked "
            "device never had."
        )
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from core.services import sync

    session = _session(args)
    try:
        done = sync.rotate_key(session, transport=TRANSPORT)
    finally:
        session.lock()
    print(
        f"New practice sync key {done.key_id} (was {done.previous_key_id}), handed to "
        f"{done.devices} other active device(s); they switch at their next sync."
    )
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    from core.services import sync

    session = _session(args)
    try:
        rows = sync.conflict_summaries(session, open_only=not args.all)
    finally:
        session.lock()
    if not rows:
        print("No open conflicts or notices.")
    for c in rows:
        print(f"{c.title}: {c.record}")
        for line in c.lines:
            print(f"    {line}")
        if c.kind == "delete_edit":
            cmd = f"chartside sync resolve {c.conflict_id}"
            print(f"    keep the edited record: {cmd} --keep local")
            print(f"    let the delete hold:    {cmd} --keep remote")
        elif c.needs_decision:
            action = "acknowledge" if c.kind == "sign_race" else "keep one"
            what = "--keep local" if c.kind == "sign_race" else "--keep local|remote"
            print(f"    to {action}: chartside sync resolve {c.conflict_id} {what}")
        else:
            print(f"    to acknowledge: chartside sync ack {c.conflict_id}")
        if c.kind != "log_restored":
            print(f"    history: chartside sync history {c.record_id}")
    return 0


def cmd_ack(args: argparse.Namespace) -> int:
    from core.services import sync

    session = _session(args)
    try:
        sync.acknowledge_notice(session, parse_id(args.notice_id))
    finally:
        session.lock()
    print("Acknowledged. Both values stay in the record's history.")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from core.services import sync

    session = _session(args)
    try:
        entries = sync.record_history(session, parse_id(args.record_id))
    finally:
        session.lock()
    for e in entries:
        where = "on server" if e.on_server else "not sent yet"
        changed = ", ".join(e.changed) or "no field changes"
        print(f"{e.at}  {e.kind:<8} {e.device:<16} {where:<12} {e.summary}")
        print(f"    {changed}")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    from core.services import sync

    session = _session(args)
    try:
        sync.resolve_conflict(session, parse_id(args.conflict_id), args.keep)
    finally:
        session.lock()
    print(f"Resolved: kept the {args.keep} version. Both stay in the record's history.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sync", help="end-to-end encrypted sync with the practice's server")
    ss = p.add_subparsers(dest="sync_command", required=True)
    e = ss.add_parser("enroll", help="join the practice's sync server")
    e.add_argument("--server", required=True, help="e.g. https://sync.example-practice.com")
    e.add_argument("--code", required=True, help="one-time code from the practice admin")
    e.add_argument(
        "--name",
        required=True,
        help="this device's name in the practice's device list, e.g. 'Front desk' (the server "
        "sees it: choose a name, not a person's)",
    )
    e.set_defaults(fn=cmd_enroll)
    ss.add_parser("now", help="send and receive changes now").set_defaults(fn=cmd_now)
    s = ss.add_parser("status", help="last sync, pending changes, conflicts")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_status)
    ss.add_parser("devices", help="devices of the practice").set_defaults(fn=cmd_devices)
    a = ss.add_parser("approve", help="share the practice key with a new device")
    a.add_argument("device_id")
    a.set_defaults(fn=cmd_approve)
    pr = ss.add_parser("pair", help="receive the practice key with a pairing code")
    pr.add_argument("code")
    pr.set_defaults(fn=cmd_pair)
    r = ss.add_parser("revoke", help="stop a device from syncing")
    r.add_argument("device_id")
    r.set_defaults(fn=cmd_revoke)
    ss.add_parser(
        "rotate-key",
        help="new practice key for every active device (after a revocation on the server)",
    ).set_defaults(fn=cmd_rotate_key)
    cf = ss.add_parser("conflicts", help="conflicts and notices, with the records and values")
    cf.add_argument("--all", action="store_true", help="also those already settled")
    cf.set_defaults(fn=cmd_conflicts)
    ack = ss.add_parser("ack", help="acknowledge a notice (an automatic merge)")
    ack.add_argument("notice_id")
    ack.set_defaults(fn=cmd_ack)
    hist = ss.add_parser("history", help="every version of a record: who changed what, when")
    hist.add_argument("record_id")
    hist.set_defaults(fn=cmd_history)
    rs = ss.add_parser("resolve", help="keep one version of a conflicting record")
    rs.add_argument("conflict_id")
    rs.add_argument("--keep", choices=["local", "remote"], required=True)
    rs.set_defaults(fn=cmd_resolve)

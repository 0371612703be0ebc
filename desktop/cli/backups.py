"""``chartside backup``, ``backups list|verify``, ``restore`` and ``check-integrity``.

Thin shells over ``core.services.backups`` and ``charts.check_integrity``: parse, call, print.
Exit codes as everywhere (README): 4 backup folder missing, 5 damaged backup or chart,
6 the disk refused the write, 7 a check found problems.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.cli.common import open_chart_for as _open
from desktop.cli.common import prompt as _prompt

if TYPE_CHECKING:
    from core.services.backups import BackupRecord
    from core.services.sync import AnchorCheck
    from core.storage.chart import ChartSession

ENV_RECOVERY = "CHARTSIDE_RECOVERY_KEY"


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def cmd_backup(args: argparse.Namespace) -> int:
    from core.services import backups

    session = _open(args)
    try:
        result = backups.back_up(session, args.to)
    finally:
        session.lock()
    r = result.record
    print(f"Backup written and verified: {r.folder} ({_size(r.size)}, {r.audit_rows} audit rows)")
    if result.removed:
        kept = "7 daily, 4 weekly, 12 monthly kept"
        print(f"Rotation removed {len(result.removed)} older backup(s) ({kept}).")
    if result.beside_chart:
        print(
            "Note: this folder is on the same disk as the chart; it will not survive a lost or "
            "dead laptop. Choose a USB drive or a synced folder with --to."
        )
    return 0


def _secrets() -> tuple[str | None, str | None]:
    if os.environ.get(ENV_RECOVERY):
        return None, os.environ[ENV_RECOVERY]
    return _prompt("Passphrase"), None


def _print_records(records: list[BackupRecord], as_json: bool) -> None:
    if as_json:
        print(json.dumps([{**r.as_json(), "folder": str(r.folder)} for r in records], indent=2))
        return
    if not records:
        print("No backups there.")
    for r in records:
        status = "ok" if r.ok else "FAILED: " + "; ".join(r.problems)
        print(
            f"{r.created_at:%Y-%m-%d %H:%M} UTC  {r.label:<12} {_size(r.size):>10}  "
            f"{status}  (checked {r.verified_at})  {r.folder.name}"
        )


def cmd_backups(args: argparse.Namespace) -> int:
    from core.services import backups

    # Without --dir the folder is the one remembered in the chart, so the chart is unlocked.
    session = _open(args) if args.dir is None else None
    try:
        folder = backups.chart_backup_folder(session) if session is not None else args.dir
        if args.action == "list":
            records = backups.list_backups(folder)
        elif session is not None:
            records = backups.verify_backups(folder, chart=session)
        else:
            passphrase, recovery = _secrets()
            records = backups.verify_backups(folder, passphrase=passphrase, recovery_key=recovery)
    finally:
        if session is not None:
            session.lock()
    _print_records(records, args.json)
    if args.action == "verify" and not all(r.ok for r in records):
        return 7
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from core.services import backups

    to = args.to if args.to is not None else args.chart
    passphrase, recovery = _secrets()
    result = backups.restore(
        args.backup, to, passphrase=passphrase, recovery_key=recovery, replace=args.replace
    )
    when = f"{result.backup.created_at:%Y-%m-%d %H:%M} UTC"
    print(f"Restored {result.path} from the backup of {when}.")
    if result.kept_previous is not None:
        print(f"The chart it replaced is kept, unchanged, in {result.kept_previous}")
    print("If this computer replaces a lost one: revoke the lost device, then enroll this one.")
    return 0


def cmd_check_integrity(args: argparse.Namespace) -> int:
    from core.services import charts

    session = _open(args)
    try:
        report = charts.check_integrity(session)
        anchored, server_note = _server_anchors(session)
    finally:
        session.lock()
    problems = list(report.problems) + list(anchored.problems if anchored else ())
    for name in report.repaired_at_open:
        print(f"Repaired at open: trigger {name} had been removed or altered (audited).")
    if server_note:
        print(server_note)
    if not problems:
        server = f", {anchored.checked} anchors on the sync server match" if anchored else ""
        print(
            f"Chart intact: pages and page MACs ok, {report.signed_notes} signed notes match "
            f"their hashes, triggers in place, {report.audit_rows} audit rows chained{server}."
        )
        return 0
    print("Chart problems found:")
    for problem in problems:
        print(f"  - {problem}")
    print("Restore the latest good backup (chartside backups list, chartside restore).")
    return 7


def _server_anchors(session: ChartSession) -> tuple[AnchorCheck | None, str]:
    """The audit heads this chart anchored on its sync server (when it syncs), checked against
    the chain; unreachable → a note, not a failure (the local checks stand on their own)."""
    from core.services import sync
    from core.sync.errors import SyncError
    from desktop.cli import sync as cli_sync

    state = sync.status(session)
    if not state.enrolled or state.revoked or not state.key_ready:
        return None, ""
    try:
        return sync.verify_anchors(session, transport=cli_sync.TRANSPORT), ""
    except SyncError as exc:
        return None, f"Audit anchors on the sync server not checked: {exc.message}"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backup", help="back up the chart and its key file (verified, rotated)")
    p.add_argument("--to", type=Path, default=None, help="backup folder (remembered)")
    p.set_defaults(fn=cmd_backup)
    p = sub.add_parser("backups", help="list or verify backups")
    p.add_argument("action", choices=["list", "verify"])
    p.add_argument("--dir", type=Path, default=None, help="backup folder (default: the chart's)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_backups)
    p = sub.add_parser("restore", help="restore a backup into a chart file")
    p.add_argument("backup", type=Path, help="a backup folder (or its chart file)")
    p.add_argument("--to", type=Path, default=None, help="chart path (default: --chart)")
    p.add_argument(
        "--replace", action="store_true", help="restore over an existing chart (kept aside first)"
    )
    p.set_defaults(fn=cmd_restore)
    sub.add_parser(
        "check-integrity", help="SQLite/SQLCipher checks, signed notes, triggers, audit chain"
    ).set_defaults(fn=cmd_check_integrity)

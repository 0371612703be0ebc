"""The ``chartside`` command. With no subcommand it opens the desktop app.

Every subcommand is a thin shell over ``core.services``: parse, call, print. Expected failures
(``ChartsideError``) print one line to stderr and exit with the error's ``exit_code``
(2 bad input, 3 wrong passphrase, 4 not found, 5 chart problem, 6 disk). The passphrase comes
from ``CHARTSIDE_PASSPHRASE`` (scripts) or a prompt; it is never accepted as an argument, so it
cannot land in shell history or ``ps`` output.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from core.domain.errors import ChartsideError, InvalidInput
from core.paths import default_chart_path

ENV_PASSPHRASE = "CHARTSIDE_PASSPHRASE"
ENV_NEW_PASSPHRASE = "CHARTSIDE_NEW_PASSPHRASE"
ENV_CHART = "CHARTSIDE_CHART"


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type`` for a whole number in [low, high] (a clear usage error, exit 2,
    instead of an overflow deep in SQLite for ``--limit 99999999999999999999``)."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    parse.__name__ = "whole number"
    return parse


def _prompt(label: str, env: str = ENV_PASSPHRASE) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise InvalidInput(f"No terminal to ask for the {label}.", hint=f"Set {env} for scripts.")
    return getpass.getpass(f"{label}: ")


def _new_passphrase(env: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    first = _prompt("New passphrase", env)
    if getpass.getpass("Repeat the new passphrase: ") != first:
        raise InvalidInput("The two passphrases differ.")
    return first


def _open(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from core.services import charts

    if os.environ.get("CHARTSIDE_RECOVERY_KEY"):
        return charts.open_chart(args.chart, recovery_key=os.environ["CHARTSIDE_RECOVERY_KEY"])
    if getattr(args, "user", None):
        from desktop.cli_users import resolve_user

        user = resolve_user(args.chart, args.user)
        return charts.open_chart(args.chart, passphrase=_prompt("Your passphrase"), user=user)
    return charts.open_chart(args.chart, passphrase=_prompt("Passphrase"))


# --- subcommands ------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from core.services import charts

    _make_folder(args.chart.parent)
    passphrase = _new_passphrase(ENV_PASSPHRASE)
    # pending: an init killed before the recovery key is on screen can simply be run again.
    session, recovery = charts.create_chart(args.chart, passphrase, pending=True)
    session.lock()
    print(f"Created {args.chart}")
    print(f"Key file: {charts.key_path(args.chart)} (required: the chart cannot open without it)")
    print("Back up with `chartside backup --to FOLDER` (both files, consistent, verified).")
    print()
    print("RECOVERY KEY — write it down or print it and keep it somewhere safe.")
    print("It opens the chart if the passphrase is forgotten. It is shown only this once.")
    print()
    print(f"    {recovery}", flush=True)
    charts.finish_create(args.chart)
    return 0


def _make_folder(folder: Path) -> None:
    """Create the chart's folder owner-only (0700); an existing folder is left as it is."""
    if not folder.exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        folder.chmod(0o700)


def cmd_demo(args: argparse.Namespace) -> int:
    from core.services import charts, first_run

    _make_folder(args.chart.parent)
    passphrase = _new_passphrase(ENV_PASSPHRASE)
    # the same use case as the app's "Create demo chart": filled, first clinician current;
    # pending until the recovery key is printed (a failure halfway leaves no file behind)
    made = first_run.create_demo_chart(args.chart, passphrase, pending=True)
    made.session.lock()
    print(f"Created demo chart {args.chart}: {made.summary}")
    print(f"Recovery key: {made.recovery_key}", flush=True)
    charts.finish_create(args.chart)
    return 0


def cmd_patients(args: argparse.Namespace) -> int:
    from core.services import patients

    session = _open(args)
    try:
        rows = patients.search_patients(session, args.search or "", limit=args.limit)
    finally:
        session.lock()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": str(r.id),
                        "name": r.display_name,
                        "date_of_birth": r.date_of_birth.isoformat(),
                        "active": r.active,
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
    else:
        for r in rows:
            print(
                f"{r.id}  {r.display_name:<32} {r.date_of_birth.isoformat()}"
                f"{'' if r.active else '  (inactive)'}"
            )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from core.export.json_export import dumps
    from core.services import exports

    session = _open(args)
    try:
        if args.out:
            size = exports.write_json_export(session, Path(args.out))
            print(f"Wrote {args.out} ({size} bytes)", file=sys.stderr)
        else:
            print(dumps(exports.export_json(session)))
    finally:
        session.lock()
    return 0


def cmd_verify_audit(args: argparse.Namespace) -> int:
    from core.services import charts

    session = _open(args)
    try:
        report = charts.verify_audit(session)
    finally:
        session.lock()
    if report.ok:
        print(f"Audit log intact: {report.rows} rows verified.")
        return 0
    print(f"Audit log BROKEN at row {report.first_broken_seq}: {report.reason}.")
    return 7


def cmd_change_passphrase(args: argparse.Namespace) -> int:
    from core.services import charts

    old = _prompt("Current passphrase")
    user = None
    if getattr(args, "user", None):
        from desktop.cli_users import resolve_user

        user = resolve_user(args.chart, args.user)
    session = charts.open_chart(args.chart, passphrase=old, user=user)
    try:
        charts.change_passphrase(session, old, _new_passphrase(ENV_NEW_PASSPHRASE))
    finally:
        session.lock()
    print("Passphrase changed. The recovery key still works.")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    from desktop.platform_check import check_window_system

    check_window_system()  # a plain sentence, not a Qt abort, when no window can open
    from desktop.app import run_app

    return run_app(args.chart)


# Pure calculations: their parser is built alone (``chartside units`` answers in < 150 ms;
# building every subcommand's parser and importing its module cost ~60 ms of that).
_LIGHT_COMMANDS = frozenset({"units"})


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (after ``--chart PATH``), or None."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--chart":
            i += 2
        elif token.startswith("--chart="):
            i += 1
        elif token.startswith("-"):
            return None
        else:
            return token
    return None


def build_parser(*, light: bool = False) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chartside", description="Offline-first therapy charting."
    )
    parser.add_argument(
        "--chart",
        type=Path,
        default=None,
        help=f"chart file (default: ${ENV_CHART} or {default_chart_path()})",
    )
    parser.add_argument("--user", default=None,
                        help="unlock as this user with their own passphrase (users list)")
    parser.add_argument("--version", action="store_true",
                        help="print the version and the data-pack versions, then exit")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation offline in a temporary folder "
                             "(chart, note, units, superbill, scribe, window); exit 0 if all pass")
    sub = parser.add_subparsers(dest="command")
    if light:
        from desktop import cli_rules

        cli_rules.register(sub)
        return parser
    sub.add_parser("init", help="create a new encrypted chart").set_defaults(fn=cmd_init)
    sub.add_parser("demo", help="create a chart full of synthetic demo data").set_defaults(
        fn=cmd_demo
    )
    p = sub.add_parser("patients", help="list or search patients")
    p.add_argument("--search", default="")
    p.add_argument("--limit", type=bounded_int(1, 100_000), default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_patients)
    p = sub.add_parser("export", help="export the whole chart")
    p.add_argument("--format", choices=["json"], default="json")
    p.add_argument("--out", help="file to write (default: standard output)")
    p.set_defaults(fn=cmd_export)
    sub.add_parser("verify-audit", help="check the audit log's hash chain").set_defaults(
        fn=cmd_verify_audit
    )
    sub.add_parser("change-passphrase", help="rewrap the chart key").set_defaults(
        fn=cmd_change_passphrase
    )
    for register in _command_modules():
        register(sub)
    return parser


def _command_modules() -> list[Callable[[argparse._SubParsersAction], object]]:  # type: ignore[type-arg]
    """Feature areas add their own subcommands (rules, scribe, billing, …)."""
    from desktop import cli_commands

    return cli_commands.REGISTRARS


def main(argv: Sequence[str] | None = None) -> int:
    from core.storage.hardening import disable_core_dumps

    disable_core_dumps()  # a crash must not write decrypted pages or the key to a core file
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(light=_command_of(words) in _LIGHT_COMMANDS)
    args = parser.parse_args(words)
    if args.version:
        from core.version import data_packs, version_line

        print(version_line())
        for name, version in data_packs():
            print(f"  {name}: {version}")
        return 0
    if args.self_test:
        from desktop.selftest import run_self_test

        return run_self_test()
    if args.chart is None:
        args.chart = default_chart_path()
    # Feature modules set ``fn`` (or ``func``, the scribe's convention); none means the GUI.
    fn: Callable[[argparse.Namespace], int] = (
        getattr(args, "fn", None) or getattr(args, "func", None) or cmd_gui
    )
    try:
        return fn(args)
    except ChartsideError as exc:
        print(f"chartside: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("chartside: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: never a raw traceback (its text can hold patient data)
        return _unexpected(exc)


def _unexpected(exc: BaseException) -> int:
    """Exit 1 with the exception's type and frames only (no message, no values: PHI-free).
    Every write is one transaction and every file is written atomically, so what was saved
    before the error is intact."""
    import traceback

    frames = [f"{Path(f.filename).name}:{f.lineno} in {f.name}"
              for f in traceback.extract_tb(exc.__traceback__)][-8:]
    print(f"chartside: unexpected error ({type(exc).__name__}). Nothing saved before it was "
          "lost. Please report these lines (they hold no patient data):\n  "
          + "\n  ".join(frames), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

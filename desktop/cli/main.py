"""The ``chartside`` command's entry point: parse, dispatch, turn errors into exit codes. With
no subcommand it opens the desktop app (``gui``).

Every subcommand is a thin shell over ``core.services``: parse, call, print. Expected failures
(``ChartsideError``) print one line to stderr and exit with the error's ``exit_code``
(2 bad input, 3 wrong passphrase, 4 not found, 5 chart problem, 6 disk). The passphrase comes
from ``CHARTSIDE_PASSPHRASE`` (scripts) or a prompt; it is never accepted as an argument, so it
cannot land in shell history or ``ps`` output.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from core.domain.errors import ChartsideError
from core.paths import default_chart_path
from desktop.cli.common import ENV_CHART

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
        from desktop.cli import rules

        rules.register(sub)
        return parser
    for register in _command_modules():
        register(sub)
    return parser


def _command_modules() -> list[Callable[[argparse._SubParsersAction], object]]:  # type: ignore[type-arg]
    """Feature areas add their own subcommands (rules, scribe, billing, …)."""
    from desktop.cli import registry

    return registry.REGISTRARS


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
    if _command_of(words) not in _LIGHT_COMMANDS:
        from desktop import media_decode

        media_decode.install()  # audio decodes through Qt's FFmpeg, as in the app
    if args.self_test:
        from desktop.selftest import run_self_test

        return run_self_test()
    if args.chart is None:
        args.chart = default_chart_path()
    # Feature modules set ``fn`` (or ``func``, the scribe's convention); none means the GUI.
    fn: Callable[[argparse.Namespace], int] = (
        getattr(args, "fn", None) or getattr(args, "func", None) or _gui
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


def _gui(args: argparse.Namespace) -> int:
    from desktop.cli.gui import cmd_gui

    return cmd_gui(args)


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


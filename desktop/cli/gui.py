"""``chartside`` with no subcommand (or ``chartside gui``): the desktop app."""

from __future__ import annotations

import argparse


def cmd_gui(args: argparse.Namespace) -> int:
    from desktop.platform_check import check_window_system

    check_window_system()  # a plain sentence, not a Qt abort, when no window can open
    from desktop.app import run_app

    return run_app(args.chart)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sub.add_parser(
        "gui", help="open the desktop app (the default with no command)"
    ).set_defaults(fn=cmd_gui)

"""What every ``chartside`` command shares: opening the chart named by ``--chart`` (passphrase
from ``CHARTSIDE_PASSPHRASE`` or a prompt, recovery key, ``--user``), prompts, and argument
types. Imports nothing else from ``desktop.cli`` (import-linter keeps it that way)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.domain.errors import InvalidInput

if TYPE_CHECKING:
    from core.storage.chart import ChartSession

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


def prompt(label: str, env: str = ENV_PASSPHRASE) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise InvalidInput(f"No terminal to ask for the {label}.", hint=f"Set {env} for scripts.")
    return getpass.getpass(f"{label}: ")


def new_passphrase(env: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    first = prompt("New passphrase", env)
    if getpass.getpass("Repeat the new passphrase: ") != first:
        raise InvalidInput("The two passphrases differ.")
    return first


def open_chart_for(args: argparse.Namespace) -> ChartSession:
    from core.services import charts

    if os.environ.get("CHARTSIDE_RECOVERY_KEY"):
        return charts.open_chart(args.chart, recovery_key=os.environ["CHARTSIDE_RECOVERY_KEY"])
    if getattr(args, "user", None):
        user = resolve_user(args.chart, args.user)
        return charts.open_chart(args.chart, passphrase=prompt("Your passphrase"), user=user)
    return charts.open_chart(args.chart, passphrase=prompt("Passphrase"))


def resolve_user(chart: object, text: str) -> str:
    """A user of the key file by id, id prefix (4+ characters) or the start of their label."""
    from core.domain.errors import InvalidInput
    from core.services import users

    wanted = " ".join(text.lower().split())
    entries = users.list_users(chart)  # type: ignore[arg-type]
    exact = [u for u in entries if u.user_id == text]
    found = exact or [u for u in entries if wanted and (
        (len(wanted) >= 4 and u.user_id.startswith(wanted)) or u.label.lower().startswith(wanted))]
    if len(found) != 1:
        raise InvalidInput(
            f"{'No' if not found else 'More than one'} user of this chart matches {text[:40]!r}.",
            hint="chartside users list shows who can unlock it.")
    return found[0].user_id

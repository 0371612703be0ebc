"""Registry of the ``chartside`` subcommands: each command family registers its own parsers."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from desktop.cli import (
    backups,
    billing,
    booking,
    books,
    chart,
    claims,
    gui,
    inventory,
    practice,
    route,
    rules,
    schedule,
    sync,
    users,
)
from scribe import cli as scribe_cli

Registrar = Callable[[argparse._SubParsersAction], object]  # type: ignore[type-arg]

REGISTRARS: list[Registrar] = [
    chart.register,
    gui.register,
    rules.register,
    scribe_cli.add_subparsers,
    billing.register,
    claims.register,
    practice.register,
    books.register,
    sync.register,
    backups.register,
    users.register,
    inventory.register,
    schedule.register,
    booking.register,
    route.register,
]

"""Registry of feature-area subcommands for ``chartside`` (each registers its own parsers)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from desktop import (
    cli_backups,
    cli_billing,
    cli_booking,
    cli_books,
    cli_claims,
    cli_inventory,
    cli_practice,
    cli_route,
    cli_rules,
    cli_schedule,
    cli_sync,
    cli_users,
)
from scribe import cli as scribe_cli

Registrar = Callable[[argparse._SubParsersAction], object]  # type: ignore[type-arg]

REGISTRARS: list[Registrar] = [
    cli_rules.register,
    scribe_cli.add_subparsers,
    cli_billing.register,
    cli_claims.register,
    cli_practice.register,
    cli_books.register,
    cli_sync.register,
    cli_backups.register,
    cli_users.register,
    cli_inventory.register,
    cli_schedule.register,
    cli_booking.register,
    cli_route.register,
]

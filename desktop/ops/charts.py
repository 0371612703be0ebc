"""Chart lifecycle ops: create (optionally with demo data), unlock, lock, first-run setup,
warm-up. Services are imported inside the callables, i.e. on the database worker thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from desktop.worker import CommandOp, JobOp, LockOp, QueryOp, SessionOp


def warm_up() -> JobOp[None]:
    """Import the services and parse the rules packs off the GUI thread."""

    def run() -> None:
        from core.rules.packs import default_packs
        from core.services import (  # noqa: F401
            charts,
            episodes,
            notes,
            patients,
            practice,
            signing,
            ui_queries,
        )

        default_packs()

    return JobOp(None, run)


def warm_icd() -> JobOp[None]:
    """Build the ICD-10-CM search index (~2 s) in the background after unlock."""

    def run() -> None:
        from core.domain import icd

        icd.search("M17.11", limit=1)

    return JobOp(None, run, lane="quick")


def create(
    parent: QObject | None, path: Path, passphrase: str, *, demo: bool, kdf: Any = None
) -> SessionOp:
    """Create a chart; with ``demo`` fill it with synthetic data (one service call, shared with
    ``chartside demo``). Success gets the recovery key."""

    def run() -> tuple[Any, str]:
        from core.services import charts, first_run

        path.parent.mkdir(parents=True, exist_ok=True)
        if demo:
            made = first_run.create_demo_chart(path, passphrase, kdf=kdf)
            return made.session, made.recovery_key
        return charts.create_chart(path, passphrase, kdf=kdf)

    return SessionOp(parent, run)


def unlock(
    parent: QObject | None,
    path: Path,
    secret: str,
    *,
    recovery: bool = False,
    user: str | None = None,
) -> SessionOp:
    def run() -> Any:
        from core.services import charts

        if recovery:
            return charts.open_chart(path, recovery_key=secret)
        return charts.open_chart(path, passphrase=secret, user=user)

    return SessionOp(parent, run)


def lock(parent: QObject | None = None) -> LockOp:
    return LockOp(parent)


def setup_status(parent: QObject | None) -> QueryOp[Any]:
    def run(chart: Any) -> Any:
        from core.services import ui_queries

        return ui_queries.setup_status(chart)

    return QueryOp(parent, run)


def first_run_setup(parent: QObject | None, details: dict[str, Any]) -> CommandOp[Any]:
    """Save the practice, the clinician (who signs) and the pack's payer profiles: one service
    call, one transaction (``first_run.setup_practice``)."""

    def run(chart: Any) -> Any:
        from core.services import first_run

        fields = {k: details[k] for k in ("first_name", "last_name", "discipline")}
        return first_run.setup_practice(
            chart, **fields, credentials=details.get("credentials", ""),
            npi=details.get("npi") or None, practice_name=details.get("practice_name") or "",
        ).changes

    return CommandOp(parent, run)

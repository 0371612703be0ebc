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

    return JobOp(None, run)


def create(
    parent: QObject | None, path: Path, passphrase: str, *, demo: bool, kdf: Any = None
) -> SessionOp:
    """Create a chart; with ``demo`` fill it with synthetic data. Success gets the recovery key."""

    def run() -> tuple[Any, str]:
        from core.services import charts

        path.parent.mkdir(parents=True, exist_ok=True)
        session, recovery = charts.create_chart(path, passphrase, kdf=kdf)
        if demo:
            from core.services import demo as demo_data
            from core.services import practice

            try:
                demo_data.populate(session)
                clinicians = practice.list_clinicians(session)
                if clinicians:
                    charts.set_current_clinician(session, str(clinicians[0].id))
            except BaseException:
                session.lock()
                raise
        return session, recovery

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
    """Save the practice, the clinician (who signs) and the pack's payer profiles."""

    def run(chart: Any) -> Any:
        from core.domain.changes import Changes
        from core.services import charts, practice, ui_queries

        changes = Changes()
        if details.get("practice_name"):
            changes |= practice.save_practice(chart, name=details["practice_name"]).changes
        result = practice.add_clinician(
            chart,
            first_name=details["first_name"],
            last_name=details["last_name"],
            discipline=details["discipline"],
            credentials=details.get("credentials", ""),
            npi=details.get("npi") or None,
        )
        changes |= result.changes
        charts.set_current_clinician(chart, str(result.value.id))
        if not practice.list_payer_profiles(chart):
            for profile in ui_queries.default_payer_profiles():
                changes |= practice.add_payer_profile(
                    chart,
                    name=profile.name,
                    key=profile.key,
                    unit_method=profile.unit_method,
                    requires_discipline_modifier=profile.requires_discipline_modifier,
                    uses_kx_threshold=profile.uses_kx_threshold,
                    progress_report_every_visits=profile.progress_report_every_visits,
                ).changes
        return changes

    return CommandOp(parent, run)

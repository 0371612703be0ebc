"""First-run use cases, one service call each, shared by the app and the CLI.

Contract:
- ``setup_practice(chart, ...)`` is the first-run screen's *Save*: the practice (when named),
  the clinician who signs, the current clinician (``meta.actor``) and, when the chart has none,
  the rules pack's payer profiles — in **one** unit of work. A failure anywhere (a refused NPI,
  a full disk) leaves the chart as it was; the Qt op and any other caller only call this.
- ``create_demo_chart(path, passphrase, ...)`` creates a chart, fills it with the synthetic
  demo (``core.services.demo.populate``) and makes its first clinician the current one, as the
  app and ``chartside demo`` both need. The chart is created *pending*: if filling it fails
  halfway the unfinished files are removed (nothing is left behind, and the same name can be
  used again); ``pending=True`` keeps the marker for a caller that shows the recovery key
  first and then calls ``charts.finish_create``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.domain.enums import Discipline
from core.domain.practice import Clinician
from core.services.practice import save_practice_within
from core.services.result import Result
from core.services.ui_queries import default_payer_profiles
from core.storage.chart import (
    ChartSession,
    create_chart,
    discard_unfinished,
    finish_create,
)
from core.storage.keys import KdfParams

ACTOR_META = "actor"


def setup_practice(
    chart: ChartSession,
    *,
    first_name: str,
    last_name: str,
    discipline: Discipline | str,
    credentials: str = "",
    npi: str | None = None,
    practice_name: str = "",
) -> Result[Clinician]:
    """The first-run setup in one transaction (see the module docstring)."""
    clinician = Clinician(first_name=first_name, last_name=last_name,
                          discipline=Discipline(discipline), credentials=credentials,
                          npi=npi or None)  # validated before anything is written
    with chart.uow() as uow:
        if practice_name.strip():
            save_practice_within(uow, name=practice_name)
        uow.clinicians.save(clinician)
        uow.record("create", "clinician", clinician.id)
        uow.meta.set(ACTOR_META, str(clinician.id))
        if not uow.payers.list():
            for profile in default_payer_profiles():
                uow.payers.save(profile)
                uow.record("create", "payer_profile", profile.id)
        changes = uow.commit()
    chart.actor = str(clinician.id)
    return Result(clinician, changes)


@dataclass
class DemoChart:
    session: ChartSession
    recovery_key: str
    summary: str


def create_demo_chart(
    path: Path, passphrase: str, *, kdf: KdfParams | None = None, pending: bool = False,
    **populate: Any,
) -> DemoChart:
    """A new chart full of synthetic demo data, its first clinician current (see the module
    docstring). ``populate``: ``today``/``seed`` for ``demo.populate``."""
    from core.services import demo

    path = Path(path)
    session, recovery = create_chart(path, passphrase, kdf=kdf, pending=True)
    try:
        summary = demo.populate(session, **populate)
        with session.uow() as uow:
            clinicians = uow.clinicians.list()
            first = clinicians[0] if clinicians else None
            if first is not None:
                uow.meta.set(ACTOR_META, str(first.id))
                uow.commit()
        if first is not None:
            session.actor = str(first.id)
    except BaseException:
        session.lock()
        discard_unfinished(path)
        raise
    if not pending:
        finish_create(path)
    return DemoChart(session, recovery, summary)

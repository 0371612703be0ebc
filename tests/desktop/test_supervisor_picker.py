"""The supervising-therapist picker in the note header (issue 14): shown only on an assistant's
visit, the plan's therapist first, the visit's choice selected, a pick emitted as the id, and
frozen once the note is signed. Real widgets (the workspace calls
``notes.set_visit_supervisor`` on the pick; tests/integration/test_visit_supervisor.py covers
the service and what the query offers)."""

from __future__ import annotations

import uuid
from typing import Any

from core.services.ui_queries import Choice
from desktop.note.visit_tools import VisitTools

ADA, BO = Choice(uuid.UUID(int=1), "Ada Quist, PT"), Choice(uuid.UUID(int=2), "Bo Quist, PT")


def test_the_picker_follows_the_visit(qtbot: Any) -> None:
    tools = VisitTools()
    qtbot.addWidget(tools)
    tools.set_visit(signed=False, home=False, place="Office", short="Office")
    assert not tools.supervisor.isVisibleTo(tools)  # a therapist's own visit: no picker
    tools.set_visit(signed=False, home=False, place="Office", supervisors=[ADA, BO],
                    supervisor_id=BO.id, plan_therapist="Ada Quist, PT")
    box = tools.supervisor
    assert box.isVisibleTo(tools) and box.isEnabled()
    assert box.itemText(0) == "Supervised by Ada Quist, PT (plan of care)"
    assert box.currentData() == BO.id
    picked: list[object] = []
    tools.supervisor_chosen.connect(picked.append)
    box.activated.emit(1)  # what a click on the first therapist sends
    box.activated.emit(0)  # back to the plan's therapist
    assert picked == [ADA.id, None]
    tools.set_visit(signed=True, home=False, place="Office", supervisors=[ADA, BO],
                    supervisor_id=BO.id)
    assert not tools.supervisor.isEnabled() and "Signed" in tools.supervisor.toolTip()

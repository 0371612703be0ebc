"""The unlocked workspace: a page bar (Patients, Dashboard, Mileage, Reports) over the pages.
Patients: the patient list, today's visits and what is due soon on the left; the patient
chart, note editor or plan-of-care editor in the middle. The other pages are practice-wide
(``desktop.pages``). It wires panels together and navigates; it holds no business rules and
runs no queries of its own beyond starting a note.

Contract:
- Navigation: ``show_area`` (Ctrl+1…4) / ``open_patient`` / ``open_note`` / ``open_plan`` /
  ``new_note`` / ``back`` / ``record_measure`` (Ctrl+M) / ``open_dashboard_row``.
  From the patient list a new note is two clicks and Enter: the patient, "New daily note",
  then the date-and-place dialog (``desktop.dialogs.visit_place``; Enter: today, office).
- "Date and place…" in the note header changes a draft's; Chart ▸ "Practice and fees…"
  opens ``desktop.money.PracticeDialog``. ``current_dialog()`` is the open dialog, if any.
- The visit open in the note editor is the one the clock, the mileage log (home visits) and
  "Superbill…" act on; leaving the note unlinks it.
- ``location()`` returns where the user is (page and ids only); ``restore(location)`` returns
  there after an unlock. ``clear()`` empties every panel and page (lock), closes an open
  dialog, and flushes pending saves first.
- ``menu_actions()`` and ``clock`` are for MainWindow to place (menus, status bar).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from core.domain.enums import PlaceOfService
from desktop.billing import ops as billing_ops
from desktop.billing.actions import patient_superbill_action, visit_superbill_action
from desktop.books.clock import ClockWidget
from desktop.context import AppContext
from desktop.dialogs import visit_place
from desktop.dialogs.new_episode import NewEpisodeDialog
from desktop.dialogs.new_patient import NewPatientDialog
from desktop.dialogs.visit_place import place_short, place_text
from desktop.formats import show_day
from desktop.money.dialogs import MoneyDialog
from desktop.money.practice_dialog import PracticeDialog
from desktop.note.editor import NoteEditor
from desktop.note.visit_tools import VisitTools
from desktop.ops import notes as note_ops
from desktop.pages.dashboard import DashboardPage
from desktop.pages.inventory import InventoryPage
from desktop.pages.mileage import MileagePage
from desktop.pages.nav import NavBar
from desktop.pages.reports import ReportsPage
from desktop.pages.schedule import SchedulePage
from desktop.panels.due_soon import DueSoonPanel
from desktop.panels.patient_chart import PatientChartPanel, today_start
from desktop.panels.patient_list import PatientListPanel
from desktop.panels.plan_of_care import PlanOfCareEditor
from desktop.panels.today import TodayPanel
from desktop.widgets import CenteredCard, heading, label, named
from desktop.worker import CommandOp


@dataclass(frozen=True, slots=True)
class Location:
    patient_id: uuid.UUID | None = None
    note_id: uuid.UUID | None = None
    plan_episode_id: uuid.UUID | None = None
    area: str = "patients"


class Workspace(QWidget):
    page_changed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.nav = NavBar()
        layout.addWidget(self.nav)
        self.areas = named(QStackedWidget(), "areas")
        layout.addWidget(self.areas, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.patient_area = split
        left = named(QSplitter(Qt.Orientation.Vertical), "sidebar")
        self.sidebar = left
        self.patients = PatientListPanel(ctx)
        self.today = TodayPanel(ctx)
        self.due = DueSoonPanel(ctx)
        for panel, stretch in ((self.patients, 4), (self.today, 2), (self.due, 1)):
            left.addWidget(panel)
            left.setStretchFactor(left.count() - 1, stretch)
        split.addWidget(left)
        self.stack = named(QStackedWidget(), "centerStack")
        self.empty = CenteredCard(width=460)
        self.empty.body.addWidget(heading("Choose a patient", 2))
        self.empty.body.addWidget(
            label(
                "Pick someone from the list, or press Ctrl+F to search. "
                "Ctrl+Shift+N adds a new patient.",
                "muted",
                wrap=True,
            )
        )
        self.chart = PatientChartPanel(ctx)
        self.editor = NoteEditor(ctx)
        self.plan = PlanOfCareEditor(ctx)
        for page in (self.empty, self.chart, self.editor, self.plan):
            self.stack.addWidget(page)
        split.addWidget(self.stack)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([350, 930])
        self.dashboard = DashboardPage(ctx)
        self.mileage = MileagePage(ctx)
        self.reports = ReportsPage(ctx)
        self.inventory = InventoryPage(ctx)
        self.inventory.low_count_changed.connect(lambda n: self.nav.set_badge("inventory", n))
        self.schedule = SchedulePage(ctx)
        self._areas: dict[str, QWidget] = {
            "patients": split,
            "dashboard": self.dashboard,
            "mileage": self.mileage,
            "reports": self.reports,
            "inventory": self.inventory,
            "schedule": self.schedule,
        }
        for area_widget in self._areas.values():
            self.areas.addWidget(area_widget)
        self.clock = ClockWidget(ctx, compact=True)
        self.visit_tools = VisitTools()
        self.editor.add_header_widget(self.visit_tools)
        self.patient_id: uuid.UUID | None = None
        self._dialog: QDialog | None = None
        self._build_superbill_actions()
        self._wire()

    def _wire(self) -> None:
        self.patients.patient_chosen.connect(self.open_patient)
        self.patients.new_patient_requested.connect(self.new_patient)
        self.today.note_chosen.connect(self.open_note)
        self.schedule.note_started.connect(self._schedule_note)
        self.today.appointment_chosen.connect(self.start_appointment_note)
        self.today.patient_chosen.connect(self.open_patient)
        self.chart.new_note_requested.connect(self.new_note)
        self.chart.note_chosen.connect(self.open_note)
        self.chart.plan_requested.connect(self.open_plan)
        self.chart.new_episode_requested.connect(self.new_episode)
        self.editor.back_requested.connect(self.back)
        self.editor.plan_requested.connect(self.open_plan)
        self.editor.visit_requested.connect(self.change_visit_place)
        self.editor.loaded.connect(self._note_loaded)
        self.plan.back_requested.connect(self.back)
        self.nav.page_chosen.connect(self.show_area)
        self.due.patient_chosen.connect(self.open_patient)
        self.due.episode_chosen.connect(self.chart.select_episode)
        self.dashboard.row_opened.connect(self.open_dashboard_row)
        self.chart.superbill_requested.connect(self.patient_superbill.trigger)
        self.visit_tools.superbill_requested.connect(self.visit_superbill.trigger)
        self.visit_tools.mileage_requested.connect(self._log_trip)
        self.visit_tools.place_requested.connect(self.change_visit_place)
        self.visit_tools.payment_requested.connect(self.take_visit_payment)
        self.visit_tools.supervisor_chosen.connect(self.choose_supervisor)

    def _build_superbill_actions(self) -> None:
        today = self.ctx.clock.today
        opened = self._superbill_opened
        self.patient_superbill = patient_superbill_action(
            self, lambda: self.patient_id, opened, today=today
        )
        self.visit_superbill = visit_superbill_action(self, self._open_visit, opened, today=today)
        history = visit_superbill_action(
            self.chart.visit_table, self.chart.selected_visit, opened, today=today
        )
        self.chart.visit_table.addAction(history)
        self.chart.visit_table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.practice_action = QAction("Practice and fees…", self)
        self.practice_action.setObjectName("action_practice")
        self.practice_action.triggered.connect(self.open_practice)
        self.claims_action = QAction("Claims…", self)  # issue 18
        self.claims_action.setObjectName("action_claims")
        self.claims_action.triggered.connect(self.open_claims)
        self.reminders_action = QAction("Appointment reminders…", self)  # issue 19
        self.reminders_action.setObjectName("action_reminders")
        self.reminders_action.triggered.connect(self.open_reminders)
        self.booking_action = QAction("Online booking…", self)  # issue 19
        self.booking_action.setObjectName("action_booking")
        self.booking_action.triggered.connect(self.open_booking)
        self.estimate_action = QAction("Good-faith estimate…", self)  # issue 18
        self.estimate_action.setObjectName("action_estimate")
        self.estimate_action.setStatusTip("The open episode's good-faith estimate (self-pay)")
        self.estimate_action.triggered.connect(self.open_estimate)

    def menu_actions(self) -> list[tuple[str, QAction]]:
        """(menu area, action) pairs for MainWindow's menus."""
        return [("Chart", self.practice_action), ("Chart", self.claims_action),
                ("Chart", self.reminders_action), ("Chart", self.booking_action),
                ("Patients", self.patient_superbill), ("Patients", self.estimate_action),
                ("Note", self.visit_superbill)]

    def open_claims(self) -> QDialog:
        """Chart ▸ Claims…: filed claims by status, remittance detail, 835 import."""
        from desktop.billing.claims_page import ClaimsDialog

        dialog = ClaimsDialog(self)
        self._open_dialog(dialog)
        return dialog

    def open_estimate(self) -> QDialog | None:
        """Patients ▸ Good-faith estimate…: the open episode's estimate (none open: nothing)."""
        from desktop.billing.estimate_dialog import EstimateDialog

        episode_id = self.chart.current_episode_id() if self.patient_id is not None else None
        if episode_id is None:
            return None
        dialog = EstimateDialog(episode_id, self, today=self.ctx.clock.today)
        self._open_dialog(dialog)
        return dialog

    def open_reminders(self) -> QDialog:
        """Chart ▸ Appointment reminders…: the e-mail reminders due, Send now."""
        from desktop.dialogs.reminders import RemindersDialog

        dialog = RemindersDialog(self)
        self._open_dialog(dialog)
        return dialog

    def open_booking(self) -> QDialog:
        """Chart ▸ Online booking…: publish the free times, answer the patients' requests."""
        from desktop.dialogs.booking import BookingDialog

        dialog = BookingDialog(self)
        self._open_dialog(dialog)
        return dialog

    def open_practice(self) -> PracticeDialog:
        """Chart ▸ Practice and fees…: the practice profile and the fee schedule."""
        dialog = PracticeDialog(self.ctx, self)
        self._open_dialog(dialog)
        return dialog

    def _superbill_opened(self, dialog: QDialog) -> None:
        self._dialog = dialog  # closed on lock: it shows the patient's bill
        self.chart.tabs.billing.watch(dialog)

    def _open_visit(self) -> tuple[uuid.UUID, uuid.UUID] | None:
        """(patient id, visit id) of the signed note in the editor, for its superbill."""
        ws = self.editor.ws
        if self.page() != "note" or ws is None or not ws.note.is_signed:
            return None
        return ws.patient_id, ws.visit.id

    # -- pages --------------------------------------------------------------------------------
    def area(self) -> str:
        current = self.areas.currentWidget()
        return next((n for n, w in self._areas.items() if w is current), "patients")

    def _inner_page(self) -> str:
        return {
            self.chart: "chart",
            self.editor: "note",
            self.plan: "plan",
        }.get(self.stack.currentWidget() or self.empty, "empty")

    def page(self) -> str:
        """The patients area's page ("chart", "note", "plan", "empty") or another page's name."""
        area = self.area()
        return self._inner_page() if area == "patients" else area

    def show_area(self, name: str) -> None:
        widget = self._areas[name]
        self.nav.set_current(name)
        if self.areas.currentWidget() is not widget:
            self.ctx.savers.flush_all()
            self.areas.setCurrentWidget(widget)
            self.page_changed.emit(self.page())
            self._sync_actions()

    def _show(self, widget: QWidget) -> None:
        # The note gets the whole width (focus mode); Back to chart brings the list back.
        self.sidebar.setVisible(widget is not self.editor)
        moved = self.areas.currentWidget() is not self.patient_area
        self.areas.setCurrentWidget(self.patient_area)
        self.nav.set_current("patients")
        if self.stack.currentWidget() is not widget or moved:
            self.stack.setCurrentWidget(widget)
            self.page_changed.emit(self.page())
        self._sync_visit()

    def _sync_visit(self) -> None:
        """Link the clock, the mileage log and the visit tools to the note in the editor."""
        ws = self.editor.ws if self.stack.currentWidget() is self.editor else None
        if ws is None:
            self.clock.set_visit(None)
            self.mileage.link_visit(None)
            self.visit_tools.clear()
        else:
            visit = ws.visit
            home = visit.place_of_service == PlaceOfService.HOME
            label_text = f"{ws.patient_name}, {show_day(visit.date)}"
            self.clock.set_visit(visit.id, label_text)
            if home:
                self.mileage.link_visit(visit.id, label_text, ws.patient_id, visit.date)
            else:
                self.mileage.link_visit(None)
            self.visit_tools.set_visit(
                signed=ws.note.is_signed, home=home,
                place=place_text(visit.place_of_service, visit.address,
                                 visit.telehealth_modality),
                short=place_short(visit.place_of_service),
                supervisors=ws.supervisors, supervisor_id=visit.supervisor_id,
                plan_therapist=ws.plan_therapist,
            )
        self._sync_actions()

    def _sync_actions(self) -> None:
        self.patient_superbill.setEnabled(self.patient_id is not None)
        self.estimate_action.setEnabled(self.patient_id is not None)
        self.visit_superbill.setEnabled(self._open_visit() is not None)

    # -- navigation ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self.patients.refresh()
        self.today.refresh()
        self.due.refresh()
        self.clock.refresh()

    def open_patient(
        self, patient_id: uuid.UUID, episode_id: uuid.UUID | None = None
    ) -> None:
        if self.page() in ("note", "plan"):
            self.ctx.savers.flush_all()
        same = patient_id == self.chart.patient_id and self.chart.chart is not None
        self.patient_id = patient_id
        if not same:
            self.chart.show_patient(patient_id)
        if episode_id is not None:
            self.chart.select_episode(episode_id)
        self.patients.select(patient_id)
        self._show(self.chart)

    def open_dashboard_row(self, row: Any) -> None:
        """Open what a dashboard row names: the note; for an episode, its plan of care when
        the plan is the problem, its measures when a progress report is due, else the chart."""
        if row.target_kind == "note":
            self.open_note(row.target_id)
            return
        if row.target_kind == "inventory":  # low stock (issue 20): the Inventory page
            self.show_area("inventory")
            return
        episode_id = row.target_id if row.target_kind == "episode" else None
        self.open_patient(row.patient_id, episode_id)
        if episode_id is None:
            return
        if row.rule.startswith("plan_of_care"):
            self.open_plan(episode_id, row.patient_name)
        elif row.rule.startswith("progress_report"):
            self.chart.tabs.show_measures()

    def record_measure(self) -> None:
        if self.patient_id is None:
            return
        if self.page() != "chart":
            self.open_patient(self.patient_id)
        self.chart.tabs.record_measure()

    def _log_trip(self) -> None:
        self.show_area("mileage")
        self.mileage.focus_form()

    def start_appointment_note(self, appointment_id: uuid.UUID) -> None:
        """A booked appointment in the Today list: its visit and draft note, then the editor."""
        from core.services import schedule

        today = self.ctx.clock.today()
        CommandOp(self, lambda chart: schedule.start_note(chart, appointment_id, today=today)
                  ).success(self._schedule_note).run()

    def _schedule_note(self, note_id: uuid.UUID) -> None:
        """"Start note" on the Schedule page: back to the patients area, the note in the editor."""
        self.today.refresh()
        self.show_area("patients")
        self.open_note(note_id)

    def open_note(self, note_id: uuid.UUID) -> None:
        self.ctx.savers.flush_all()
        # A double-click emits both activated and doubleClicked: the second request for the
        # note already on screen must not re-render it under the user's cursor.
        if not (self.page() == "note" and self.editor.note_id == note_id):
            self.editor.show_note(note_id)
        self._show(self.editor)

    def _note_loaded(self, _note_id: uuid.UUID) -> None:
        ws = self.editor.ws
        if ws is not None and ws.patient_id != self.patient_id:
            self.patient_id = ws.patient_id
            self.patients.select(ws.patient_id)
            self.chart.show_patient(ws.patient_id)
        self._sync_visit()

    def open_plan(self, episode_id: uuid.UUID, patient_name: str = "") -> None:
        self.ctx.savers.flush_all()
        name = patient_name or (self.chart.name.text() if self.chart.chart is not None else "")
        self.plan.show_episode(episode_id, name)
        self._show(self.plan)

    def new_note(self, episode_id: uuid.UUID | None = None) -> None:
        """Ask for the date of service and the place (Enter: today, office), then start it."""
        episode_id = episode_id or self.chart.active_episode_id()
        clinician = self.ctx.session.clinician_id
        if episode_id is None or clinician is None:
            return
        dialog = visit_place.for_new_note(
            self.ctx, episode_id, home_address=self._home_address(),
            start_time=today_start(self.ctx.clock.now()), place=self._usual_place(episode_id),
            parent=self,
        )
        dialog.started.connect(self.open_note)
        self._open_dialog(dialog)

    def change_visit_place(self) -> None:
        """"Date and place…" of the draft in the editor."""
        ws = self.editor.ws
        if self.page() != "note" or ws is None or ws.note.is_signed:
            return
        self.ctx.savers.flush_all()
        note_id = ws.note.id
        dialog = visit_place.for_visit(self.ctx, ws.visit, home_address=self._home_address(),
                                       parent=self)
        dialog.changed.connect(lambda _v: self._reload_note(note_id))
        self._open_dialog(dialog)

    def choose_supervisor(self, supervisor_id: uuid.UUID | None) -> None:
        """The supervising therapist picked on an assistant's draft: stored, then the note
        reloads so the sign-off findings (who 24J bills under) follow."""
        ws = self.editor.ws
        if self.page() != "note" or ws is None or ws.note.is_signed:
            return
        note_id = ws.note.id
        note_ops.set_visit_supervisor(self, ws.visit.id, supervisor_id).success(
            lambda _r: self._reload_note(note_id)).run()

    def take_visit_payment(self) -> None:
        """Checkout: "Payment…" on a signed note takes a payment against its visit (the
        account is read first, for the balance and the visit's charge)."""
        ids = self._open_visit()
        if ids is None:
            return
        patient_id, visit_id = ids

        def show(result: Any) -> None:
            if self._open_visit() != ids:
                return  # the user moved on meanwhile
            dialog = MoneyDialog(self.ctx, "payment", patient_id, result.value, self,
                                 visit_id=visit_id)
            self._open_dialog(dialog)

        billing_ops.account(self, patient_id).success(show).run()

    def _reload_note(self, note_id: uuid.UUID) -> None:
        if self.page() == "note" and self.editor.note_id == note_id:
            self.editor.show_note(note_id)

    def _usual_place(self, episode_id: uuid.UUID) -> PlaceOfService:
        """Where the episode's last charted visit took place (a home-care patient is seen at
        home every time); the office for the first visit."""
        chart = self.chart.chart
        visits = chart.visits if chart is not None and chart.patient.id == self.patient_id else ()
        latest = max((v for v in visits if v.episode_id == episode_id and v.note_id),
                     key=lambda v: v.date, default=None)
        return PlaceOfService(latest.place_of_service) if latest else PlaceOfService.OFFICE

    def _home_address(self) -> str:
        """The open patient's address on one line ("" when the chart has not loaded)."""
        chart = self.chart.chart
        if chart is None or chart.patient.id != self.patient_id:
            return ""
        p = chart.patient
        tail = " ".join(x for x in (p.state, p.postal_code) if x)
        return ", ".join(x for x in (p.address_line1, p.address_line2, p.city, tail) if x)

    def current_dialog(self) -> QDialog | None:
        """The dialog the workspace opened last, while it is still open (or None)."""
        dialog = self._dialog
        if dialog is None or not shiboken6.isValid(dialog) or not dialog.isVisible():
            return None
        return dialog

    def _open_dialog(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self._dialog = dialog

    def back(self) -> None:
        self.ctx.savers.flush_all()
        if self.patient_id is not None:
            self.open_patient(self.patient_id)
        else:
            self._show(self.empty)

    def new_patient(self) -> None:
        dialog = NewPatientDialog(self)
        dialog.created.connect(self._patient_created)
        dialog.existing_chosen.connect(self.open_patient)
        dialog.open()
        self._dialog = dialog

    def _patient_created(self, patient_id: uuid.UUID) -> None:
        self.patients.refresh()
        self.open_patient(patient_id)

    def new_episode(self, patient_id: uuid.UUID | None = None) -> None:
        patient_id = patient_id or self.patient_id
        if patient_id is None:
            return
        dialog = NewEpisodeDialog(self.ctx, patient_id, self)
        dialog.created.connect(self.open_plan)
        dialog.open()
        self._dialog = dialog

    # -- lock / unlock ----------------------------------------------------------------------------
    def location(self) -> Location:
        page = self._inner_page()
        return Location(
            patient_id=self.patient_id,
            note_id=self.editor.note_id if page == "note" else None,
            plan_episode_id=(
                self.plan.episode.id if page == "plan" and self.plan.episode else None
            ),
            area=self.area(),
        )

    def restore(self, where: Location | None) -> None:
        self.refresh()
        if where is None:
            self._show(self.empty)
            return
        if where.patient_id is not None:
            self.open_patient(where.patient_id)
        if where.note_id is not None:
            self.open_note(where.note_id)
        elif where.plan_episode_id is not None:
            self.open_plan(where.plan_episode_id)
        if where.area != "patients":
            self.show_area(where.area)

    def clear(self) -> None:
        self.ctx.savers.flush_all()
        dialog = self._dialog
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.reject()
            self._dialog = None
        self.patient_id = None
        for panel in (self.patients, self.today, self.due, self.chart, self.editor, self.plan,
                      self.dashboard, self.mileage, self.reports, self.inventory,
                      self.schedule, self.clock):
            panel.clear()
        self.nav.set_badge("inventory", 0)
        self._show(self.empty)

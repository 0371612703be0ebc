"""The practice's own books on the desktop: standalone panels MainWindow places and wires.

- ``dashboard.ComplianceDashboard``: what needs doing; each row emits ``open_requested(kind,
  id)`` (kind "note" | "episode" | "patient") plus the typed ``note_chosen`` /
  ``episode_chosen`` / ``patient_chosen`` signals.
- ``mileage.MileageLogPanel``: a year's trips, totals per IRS rate, add/remove, CSV/PDF export.
- ``clock.ClockWidget``: clock in/out (visit, documentation, travel, admin) and today's and this
  week's clinical vs administrative time, flagged while the clinician has unsigned notes.
- ``reports.ReportsView``: revenue (cash vs accrual), visits (no-show rate) and units per visit
  with bar charts (``charts.BarChart``, QPainter: PySide6-Essentials has no QtCharts) and CSV
  export.

Every panel takes the app's ``AppContext`` (it uses ``bus``, ``clock``, ``session`` and
``present`` only), loads through ``desktop.books.ops`` on the database worker and renders plain
values; no SQL, no rules. GUI thread only.
"""

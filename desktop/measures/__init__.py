"""Outcome-measure widgets: numeric item entry, trend charts, the goals board, and the panel
that composes them on the database worker (``MeasuresPanel``). MainWindow wires them in.

GUI thread only. Widgets render plain values from ``core.services.measures`` /
``core.rules.measures``; reads and writes go through ``desktop.measures.ops``.
"""

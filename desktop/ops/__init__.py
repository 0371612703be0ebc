"""Operations, one module per area (Anki's aqt/operations): small functions that return a
``CommandOp``/``QueryOp`` wrapping one service call. Call sites read
``notes.edit_section(parent, note_id, "subjective", text).success(cb).run()``.

Contract: each function only builds the op; nothing runs until ``run()``. The op callables
receive the ``ChartSession`` on the database worker and call exactly one ``core.services``
function (or one ``ui_queries`` read). ``charts`` imports the services lazily so the unlock
screen appears before SQLAlchemy is imported.
"""

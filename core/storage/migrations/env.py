"""Alembic environment: always runs on the keyed connection handed in by ``core.storage.migrate``.

There is deliberately no URL here: the chart is encrypted and the passphrase never appears in
any configuration.
"""

from __future__ import annotations

from alembic import context

from core.storage import search_index
from core.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - misuse guard
    raise RuntimeError("Chartside migrations run only through core.storage.migrate.")



def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate leaves derived tables alone (the FTS5 search index and its shadows)."""
    return not (type_ == "table" and search_index.is_derived(name))


context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  include_name=include_name)
with context.begin_transaction():
    context.run_migrations()

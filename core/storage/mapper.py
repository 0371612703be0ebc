"""Data mapper between domain dataclasses and rows.

We map explicitly with SQLAlchemy Core instead of ``registry.map_imperatively`` (see
docs/architecture-notes.md): domain objects stay plain (no instrumentation, safe to hand to
the GUI thread), JSON fields such as block details never suffer in-place-mutation blind spots,
and every write is an explicit upsert that the signed-note triggers can judge.
Column names equal field names; ``to_row`` takes the fields a table has, ``from_row`` the reverse.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Connection, LargeBinary, Table, delete
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Dialect

T = TypeVar("T")


def to_row(obj: Any, table: Table, **extra: Any) -> dict[str, Any]:
    row = {name: getattr(obj, name) for name in _shared_columns(type(obj), table)}  # type: ignore[arg-type]
    row.update(extra)
    return row


@lru_cache(maxsize=256)
def _shared_columns(cls: type, table: Table) -> tuple[str, ...]:
    """The columns of ``table`` that are fields of ``cls``, in column order (``fields`` per
    object was a fifth of the cost of saving a pulled page)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return tuple(c.name for c in table.columns if c.name in names)


_NO_DEFAULT = object()


@lru_cache(maxsize=128)
def _field_plan(cls: type) -> tuple[tuple[str, Any, Any], ...]:
    """Per field of ``cls``: name, default value (or ``_NO_DEFAULT``), default factory (or
    None). ``dataclasses.fields`` per row was a third of the cost of mapping a large read."""
    plan = []
    for f in dataclasses.fields(cls):
        default = f.default if f.default is not dataclasses.MISSING else _NO_DEFAULT
        factory = f.default_factory if f.default_factory is not dataclasses.MISSING else None
        plan.append((f.name, default, factory))
    return tuple(plan)


def from_row(cls: type[T], row: Mapping[Any, Any], **extra: Any) -> T:
    """Build ``cls`` without re-running domain validation (the row was valid when written)."""
    obj = cls.__new__(cls)
    setattr_ = object.__setattr__
    for name, default, factory in _field_plan(cls):  # type: ignore[arg-type]
        if name in extra:
            value = extra[name]
        elif name in row:
            value = row[name]
        elif default is not _NO_DEFAULT:
            value = default
        elif factory is not None:
            value = factory()
        else:
            raise KeyError(f"{cls.__name__}.{name} has no column")
        setattr_(obj, name, value)
    return obj


def row_builder(cls: type[T], columns: tuple[str, ...], extras: tuple[str, ...] = ()
                ) -> Callable[..., T]:
    """``from_row`` for many rows of one query: ``build(values, *extra_values)`` makes ``cls``
    from a row tuple whose columns are ``columns`` (as ``result.keys()``) and the values of the
    fields named in ``extras``, by the same rule (an extra, else the column, else the default,
    else the factory, else ``KeyError`` here). The function is generated once per shape, as
    ``dataclasses`` generates ``__init__``: a large read (a year of notes' blocks) spent most of
    its mapping time looking fields up one by one and building a dict per row."""
    return _row_builder(cls, columns, extras)  # type: ignore[arg-type]


@lru_cache(maxsize=256)
def _row_builder(cls: type, columns: tuple[str, ...], extras: tuple[str, ...]) -> Any:
    position = {name: i for i, name in enumerate(columns)}
    given = {name: i for i, name in enumerate(extras)}
    env: dict[str, Any] = {"cls": cls, "new": cls.__new__, "setattr_": object.__setattr__}
    parts = []
    for name, default, factory in _field_plan(cls):
        if name in given:
            expr = f"x[{given[name]}]"
        elif name in position:
            expr = f"v[{position[name]}]"
        elif default is not _NO_DEFAULT:
            env[f"d_{name}"] = default
            expr = f"d_{name}"
        elif factory is not None:
            env[f"f_{name}"] = factory
            expr = f"f_{name}()"
        else:
            raise KeyError(f"{cls.__name__}.{name} has no column")
        parts.append((name, expr))
    if hasattr(cls, "__slots__"):  # no instance dict: set each field as from_row does
        body = "".join(f"    setattr_(obj, {n!r}, {e})\n" for n, e in parts)
    else:
        items = ", ".join(f"{n!r}: {e}" for n, e in parts)
        body = f"    obj.__dict__.update({{{items}}})\n"
    source = f"def build(v, *x):\n    obj = new(cls)\n{body}    return obj\n"
    exec(source, env)  # field names come from the dataclass, never from data
    return env["build"]


@lru_cache(maxsize=256)
def _upsert_statement(table: Table, columns: tuple[str, ...]) -> Any:
    stmt = insert(table)
    cols = {k: stmt.excluded[k] for k in columns if k != "id"}
    return stmt.on_conflict_do_update(index_elements=["id"], set_=cols)


def upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or update rows by primary key ``id``, in order.

    One statement per table and column set, built once and executed with the rows as
    parameters (consecutive rows with the same columns in one ``executemany``): building a
    statement around each row's values cost more than the write itself.
    """
    batch: list[dict[str, Any]] = []
    columns: tuple[str, ...] = ()
    for row in rows:
        keys = tuple(row)
        if batch and keys != columns:
            conn.execute(_upsert_statement(table, columns), batch)
            batch = []
        columns = keys
        batch.append(row)
    if batch:
        conn.execute(_upsert_statement(table, columns), batch)


def replace_children(
    conn: Connection, table: Table, parent_col: str, parent_id: Any, rows: Sequence[dict[str, Any]]
) -> None:
    """Make the child rows of ``parent_id`` exactly ``rows`` (upsert present, delete absent)."""
    keep = [r["id"] for r in rows]
    conn.execute(
        delete(table).where(table.c[parent_col] == parent_id).where(table.c.id.not_in(keep))
    )
    upsert(conn, table, rows)


def replace_children_many(
    conn: Connection,
    table: Table,
    parent_col: str,
    parent_ids: Sequence[Any],
    rows: Sequence[dict[str, Any]],
) -> None:
    """``replace_children`` of many parents at once: the child rows of ``parent_ids`` become
    exactly ``rows`` (one delete per 500 parents, then one upsert ``executemany``)."""
    keep_of: dict[Any, list[Any]] = {}
    for row in rows:
        keep_of.setdefault(row[parent_col], []).append(row["id"])
    parents = list(dict.fromkeys(parent_ids))
    for i in range(0, len(parents), 500):
        chunk = parents[i : i + 500]
        keep = [k for p in chunk for k in keep_of.get(p, ())]
        stmt = delete(table).where(table.c[parent_col].in_(chunk))
        conn.execute(stmt.where(table.c.id.not_in(keep)) if keep else stmt)
    upsert(conn, table, rows)


def delete_where_in(conn: Connection, table: Table, column: str, values: Sequence[Any]) -> None:
    """Delete the rows whose ``column`` is one of ``values`` (500 per statement)."""
    for i in range(0, len(values), 500):
        conn.execute(delete(table).where(table.c[column].in_(values[i : i + 500])))


@lru_cache(maxsize=128)
def _decoders(table: Table, dialect: Dialect) -> tuple[dict[str, Any], frozenset[str]]:
    """Per column its result processor (or None), and the binary columns."""
    processors = {
        c.name: c.type.dialect_impl(dialect).result_processor(dialect, None) for c in table.columns
    }
    binary = frozenset(c.name for c in table.columns if isinstance(c.type, LargeBinary))
    return processors, binary


def from_stored(table: Table, dialect: Dialect, stored: Mapping[str, Any]) -> dict[str, Any]:
    """A row as the database stores it (a sync payload's ``row``: UUIDs as hex, dates as text,
    JSON as text…) → the Python values a ``select`` of ``table`` returns, decoded by the
    columns' own types. Binary values travel as ``{"$b64": ...}``; unknown keys are dropped
    (a column of a newer schema)."""
    decoders, binary = _decoders(table, dialect)
    out = {
        name: value if value is None or (decode := decoders[name]) is None else decode(value)
        for name, value in stored.items()
        if name in decoders and name not in binary
    }
    for name in binary:
        value = stored.get(name)
        if name in stored:
            out[name] = base64.b64decode(value["$b64"]) if isinstance(value, dict) else value
    return out


def build(cls: type[T], row: Mapping[str, Any], **extra: Any) -> T:
    """Construct ``cls`` from a row through its constructor, so its validation runs (the
    reverse of ``from_row``, for rows that come from outside this chart)."""
    kwargs = {
        name: extra[name] if name in extra else row[name]
        for name, _default, _factory in _field_plan(cls)  # type: ignore[arg-type]
        if name in extra or name in row
    }
    return cls(**kwargs)

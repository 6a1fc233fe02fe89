"""Set-based write helpers for batch paths (ARCHITECTURE rule 6): no per-row ORM in a loop.

Rows arrive as Polars frames whose column names are the table's columns. On PostgreSQL they stream in
with COPY (CSV written by Polars, no Python per row); on SQLite through one prepared statement with
``executemany`` over tuples. Both run in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import polars as pl
from django.db import connection
from django.db.models import Model

CHUNK = 20000


def reserve_ids(model: type[Model], count: int, *, lock_table: bool = True) -> list[int]:
    """Primary keys for ``count`` rows about to be inserted with explicit ids, so that children can be
    inserted in the same pass without reading the parents back. Call inside the write transaction.

    ``lock_table=False`` is for a caller that already serialises every writer of the table by other
    means (the audit chain's advisory lock): LOCK TABLE … EXCLUSIVE needs UPDATE, DELETE or TRUNCATE
    privilege, which the audit table's INSERT-and-SELECT-only role does not have (docs/operations.md)."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One block of ``count`` values: with the table locked against other writers (whose inserts
            # draw from the sequence only after taking their own lock), nobody can take a value between
            # our nextval and setval. Readers are not blocked; the lock ends with the transaction.
            if lock_table:
                cursor.execute(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            start = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, %s)", [sequence, start + count - 1])
            return list(range(start, start + count))
        # SQLite: the write transaction (BEGIN IMMEDIATE) holds the database lock, so max(id) is stable.
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608 (identifiers from _meta)
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def _db_constant(value):
    """A value the same for every row (e.g. the import's timestamp), in the form the engine stores."""
    if isinstance(value, dt.datetime):
        adapted = connection.ops.adapt_datetimefield_value(value)
        return adapted if isinstance(adapted, str) else adapted.isoformat()
    return value


def _prepare(frame: pl.DataFrame, constants: Mapping[str, object] | None) -> pl.DataFrame:
    if constants:
        frame = frame.with_columns(
            [
                pl.lit(_db_constant(v), dtype=pl.Utf8 if isinstance(v, dt.datetime | str) else None).alias(k)
                for k, v in constants.items()
            ]
        )
    # Dates travel as ISO text: no per-value adapter calls, and both engines parse it.
    return frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))


def insert_frame(
    model: type[Model],
    frame: pl.DataFrame,
    *,
    constants: Mapping[str, object] | None = None,
    json_columns: Sequence[str] = (),
) -> int:
    """INSERT every row of ``frame`` (columns named as the table's) plus ``constants``."""
    if frame.height == 0:
        return 0
    frame = _prepare(frame, constants)
    table = model._meta.db_table
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    if connection.vendor == "postgresql":
        insert_frame_into(table, frame)
        return frame.height
    placeholders = ", ".join(["%s"] * len(frame.columns))
    sql = f'INSERT INTO "{table}" ({columns}) VALUES ({placeholders})'  # noqa: S608 (identifiers from _meta)
    with connection.cursor() as cursor:
        for start in range(0, frame.height, CHUNK):
            cursor.executemany(sql, frame.slice(start, CHUNK).rows())
    return frame.height


def update_frame(
    model: type[Model],
    frame: pl.DataFrame,
    *,
    key: str = "id",
    constants: Mapping[str, object] | None = None,
    increment: Sequence[str] = (),
) -> int:
    """UPDATE the rows whose ``key`` is in ``frame``, setting its other columns (and ``constants``);
    columns in ``increment`` are increased by one (e.g. a version counter)."""
    if frame.height == 0:
        return 0
    frame = _prepare(frame, constants)
    table = model._meta.db_table
    set_columns = [c for c in frame.columns if c != key]
    bumps = [f'"{c}" = "{c}" + 1' for c in increment]
    if connection.vendor == "postgresql":
        # COPY into a temporary table, then one UPDATE … FROM: set-based instead of one statement per row.
        staging = f"_staging_{table}"
        with connection.cursor() as cursor:
            column_list = ", ".join(f'"{c}"' for c in frame.columns)
            cursor.execute(
                f'CREATE TEMP TABLE "{staging}" ON COMMIT DROP AS '  # noqa: S608
                f'SELECT {column_list} FROM "{table}" WITH NO DATA'
            )
        insert_frame_into(staging, frame)
        sets = ", ".join(
            [f'"{c}" = s."{c}"' for c in set_columns] + [b.replace('= "', '= t."') for b in bumps]
        )
        with connection.cursor() as cursor:
            cursor.execute(f'UPDATE "{table}" t SET {sets} FROM "{staging}" s WHERE t."{key}" = s."{key}"')  # noqa: S608
            cursor.execute(f'DROP TABLE "{staging}"')
        return frame.height
    sets = ", ".join([f'"{c}" = %s' for c in set_columns] + bumps)
    sql = f'UPDATE "{table}" SET {sets} WHERE "{key}" = %s'  # noqa: S608
    ordered = frame.select(*set_columns, key)
    with connection.cursor() as cursor:
        for start in range(0, ordered.height, CHUNK):
            cursor.executemany(sql, ordered.slice(start, CHUNK).rows())
    return frame.height


def insert_frame_into(table: str, frame: pl.DataFrame) -> None:
    """COPY a prepared frame into a table by name (PostgreSQL only; used for staging tables)."""
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN WITH (FORMAT csv)') as copy,
    ):
        for start in range(0, frame.height, CHUNK):
            copy.write(frame.slice(start, CHUNK).write_csv(include_header=False).encode())


def fetch_in(sql_template: str, values: Sequence, *, chunk: int = 900) -> list[tuple]:
    """Run ``sql_template`` (with one ``{in_}`` placeholder) for ``values`` in chunks; concatenate rows."""
    out: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), chunk):
            part = values[start : start + chunk]
            cursor.execute(sql_template.format(in_=", ".join(["%s"] * len(part))), part)
            out.extend(cursor.fetchall())
    return out

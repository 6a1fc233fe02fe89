"""Set-based write helpers for batch paths (ARCHITECTURE rule 6): no per-row ORM in a loop."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model

CHUNK = 5000


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """Primary keys for ``count`` rows about to be inserted with explicit ids, so that children can be
    inserted in the same pass without reading the parents back. Call inside the write transaction."""
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the write transaction (BEGIN IMMEDIATE) holds the database lock, so max(id) is stable.
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608 (identifiers from _meta)
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def insert_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence], *, json_columns=()) -> int:
    """INSERT many rows given as tuples in ``columns`` order, in chunks, through one prepared statement."""
    table = model._meta.db_table
    placeholders = ", ".join(
        "%s::jsonb" if (c in json_columns and connection.vendor == "postgresql") else "%s" for c in columns
    )
    sql = f'INSERT INTO "{table}" ({", ".join(f"{c}" for c in columns)}) VALUES ({placeholders})'  # noqa: S608
    return _executemany(sql, rows)


def update_rows(model: type[Model], set_columns: Sequence[str], rows: Iterable[Sequence], *, key: str = "id") -> int:
    """UPDATE … SET cols WHERE key = ?; each row is (*values, key)."""
    table = model._meta.db_table
    sets = ", ".join(f"{c} = %s" for c in set_columns)
    sql = f'UPDATE "{table}" SET {sets} WHERE {key} = %s'  # noqa: S608
    return _executemany(sql, rows)


def _executemany(sql: str, rows: Iterable[Sequence]) -> int:
    total = 0
    batch: list[Sequence] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                total += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            total += len(batch)
    return total


def fetch_in(sql_template: str, values: Sequence, *, chunk: int = 900) -> list[tuple]:
    """Run ``sql_template`` (with one ``{in}`` placeholder) for ``values`` in chunks; concatenate rows."""
    out: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), chunk):
            part = values[start : start + chunk]
            cursor.execute(sql_template.format(in_=", ".join(["%s"] * len(part))), part)
            out.extend(cursor.fetchall())
    return out

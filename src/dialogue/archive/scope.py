"""The rows of one dialogue in each record kind's table, in archive order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from dialogue.archive.records import KIND, Kind


def scoped(kind: Kind, dialogue_id: int) -> Select[Any]:
    """Ordered by primary key: references are numbered in that order, and an import
    inserts in it, so a restored dialogue's ids keep the order and re-export identically."""
    table = kind.table
    query = select(table)
    if kind.via is None:
        column = table.c.id if kind.name == "dialogue" else table.c.dialogue_id
        query = query.where(column == dialogue_id)
    else:
        link, parent = kind.via
        owner = KIND[parent].table
        query = query.where(
            table.c[link].in_(select(owner.c.id).where(owner.c.dialogue_id == dialogue_id))
        )
    return query.order_by(*table.primary_key.columns)

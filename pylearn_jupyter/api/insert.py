"""Dialect-specific ``INSERT … ON CONFLICT`` so concurrent duplicates never raise."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(session: Session, table: Table) -> Any:
    """An ``insert`` construct that supports ``on_conflict_do_nothing/update`` here."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)

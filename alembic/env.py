"""Alembic environment on SQLModel.metadata, with the same SQLite rules as the app."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import dialogue.models  # noqa: F401 - registers every table on the metadata
from dialogue.config import Settings
from dialogue.db import configure_sqlite, metadata
from dialogue.migrations import include_object

config = context.config
url = config.get_main_option("sqlalchemy.url") or Settings().sync_database_url


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    if url.startswith("sqlite"):
        configure_sqlite(engine)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=url.startswith("sqlite"),
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

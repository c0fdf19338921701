"""Running Alembic from code, so `dialogue serve` and the tests migrate the same way."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from dialogue.config import PROJECT_ROOT, Settings


def alembic_config(settings: Settings) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", settings.sync_database_url.replace("%", "%%"))
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings), revision)


# Schema objects made by hand in migrations, which SQLModel.metadata cannot describe:
# they are left out when the models and the migrated schema are compared.
UNMODELLED_PREFIXES = ("post_fts",)
UNMODELLED_INDEXES = frozenset({"ix_post_body_fts"})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    if type_ == "table" and name and name.startswith(UNMODELLED_PREFIXES):
        return False
    return not (type_ == "index" and name in UNMODELLED_INDEXES)

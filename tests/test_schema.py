"""The migrations are the schema: they build every table the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models import db
from models.base import Base


def test_migrations_match_the_models(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
        with engine.connect() as connection:
            # ix_org_unit_path_c is PostgreSQL's bytewise path index (migration 0003), not a model-level index.
            context = MigrationContext.configure(
                connection, opts={"include_object": lambda obj, name, kind, *_: name != "ix_org_unit_path_c"}
            )
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
        db.upgrade(engine)  # a second upgrade is a no-op
    finally:
        engine.dispose()


def test_the_head_read_from_the_files_is_alembics() -> None:
    """`db.head_revision` reads the migration files without importing Alembic (0.1 s a command): it must name the
    head Alembic itself finds."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    assert db.head_revision() == ScriptDirectory.from_config(config).get_current_head()

"""Alembic environment: runs on the engine the program hands over (models.db.upgrade), never on a global one."""

from alembic import context

from models import dashboard_snapshot, tables  # noqa: F401  (registers the tables on Base.metadata)
from models.base import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()

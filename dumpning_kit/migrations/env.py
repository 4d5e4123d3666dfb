"""Alembic environment for dumpning-kit: run programmatically by dumpning_kit.migrate (no alembic.ini).
The caller passes an open connection in config.attributes["connection"]."""
from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()

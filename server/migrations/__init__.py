"""Alembic environment of the sync server; run through ``server.migrate``, not alembic.ini."""

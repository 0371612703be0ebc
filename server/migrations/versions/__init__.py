"""Alembic revisions of the sync server schema, oldest first."""

"""Sync in the desktop: the step-run driver, background sync, and standalone widgets.

Standalone on purpose: ``MainWindow`` (owned elsewhere) composes them. See docs/sync.md §7 for
the wiring: a ``BackgroundSync`` per app, a ``SyncStatusWidget`` in the status bar, the
``SyncSettingsPage`` in preferences, ``ConflictResolver``/``AddendumDraftsPanel`` on demand.
"""

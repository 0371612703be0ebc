"""The sync client: end-to-end encrypted, offline-first, nothing ever lost (docs/sync.md).

Modules: ``engine`` (a sync run as database and network steps), ``push`` (batches from the
outbox), ``apply`` (pulled versions → records, by the rules of ``merge``), ``crypto`` (per-version
AEAD), ``pairing`` and ``devices`` (joining a practice, sharing its key), ``resolve`` (what the
clinician decides), ``config`` (this device's identity in the chart), ``api`` (HTTP), ``wire``
(the server's protocol models, vendored). No Qt; all SQL is in ``core.storage.sync_store``;
the use cases callers see are in ``core.services.sync``.
"""

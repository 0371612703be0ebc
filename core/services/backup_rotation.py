"""Which backups to keep: 7 daily, 4 weekly, 12 monthly (grandfather-father-son), pure logic.

Buckets are counted over the backups that exist, not over calendar windows, so a laptop left
off for a month still keeps seven days' worth. A backup is kept when it is the newest good one
of one of the 7 newest days, the 4 newest ISO weeks or the 12 newest months. Always kept: the
newest good backup, every backup of the 24 hours before it, and the 3 newest ``pre-…`` backups
(taken before a migration or a restore). A failed backup is kept until a newer good one
exists, so a problem stays visible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence

from core.storage.backup_files import BackupRecord

DAILY = 7
WEEKLY = 4
MONTHLY = 12
PRE_KEPT = 3
RECENT = dt.timedelta(hours=24)


def _newest_per_bucket(
    good: Sequence[BackupRecord], key: Callable[[dt.datetime], Hashable], count: int
) -> set[int]:
    kept: dict[Hashable, int] = {}
    for i, record in enumerate(good):  # newest first
        bucket = key(record.created_at)
        if bucket not in kept:
            if len(kept) == count:
                break
            kept[bucket] = i
    return set(kept.values())


def expired(records: Sequence[BackupRecord]) -> list[BackupRecord]:
    """The backups rotation removes (of one chart), oldest first."""
    ordered = sorted(records, key=lambda r: (r.created_at, r.folder.name), reverse=True)
    good = [r for r in ordered if r.ok]
    keep_idx = {0} if good else set()
    keep_idx |= _newest_per_bucket(good, lambda t: t.date(), DAILY)
    keep_idx |= _newest_per_bucket(good, lambda t: t.isocalendar()[:2], WEEKLY)
    keep_idx |= _newest_per_bucket(good, lambda t: (t.year, t.month), MONTHLY)
    keep = {id(good[i]) for i in keep_idx}
    keep |= {id(r) for r in [r for r in good if r.label.startswith("pre-")][:PRE_KEPT]}
    newest_good = good[0].created_at if good else None
    if newest_good is not None:
        keep |= {id(r) for r in good if newest_good - r.created_at < RECENT}
    out = []
    for r in ordered:
        superseded = newest_good is not None and r.created_at < newest_good
        if (r.ok and id(r) not in keep) or (not r.ok and superseded):
            out.append(r)
    return list(reversed(out))

"""Rotation keeps 7 daily, 4 weekly, 12 monthly backups (pure logic, no files)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.services.backup_rotation import expired
from core.storage.backup_files import BackupRecord

START = dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.UTC)


def _rec(at: dt.datetime, *, ok: bool = True, label: str = "daily") -> BackupRecord:
    return BackupRecord(Path(f"/b/{at:%Y%m%dT%H%M}-{label}"), "c", "id", at, label, 1, "", ok)


def test_a_year_of_daily_backups_keeps_7_daily_4_weekly_12_monthly() -> None:
    records = [_rec(START + dt.timedelta(days=i)) for i in range(365)]
    gone = {id(r) for r in expired(records)}
    kept = [r for r in records if id(r) not in gone]
    days = {r.created_at.date() for r in kept}
    newest = records[-1].created_at.date()
    assert all(newest - dt.timedelta(days=i) in days for i in range(7))
    assert len({r.created_at.isocalendar()[:2] for r in kept}) >= 4
    assert len({(r.created_at.year, r.created_at.month) for r in kept}) == 12
    assert len(kept) <= 7 + 4 + 12


def test_several_a_day_are_kept_for_a_day_then_thinned_to_one() -> None:
    today = [_rec(START + dt.timedelta(hours=h)) for h in range(5)]
    assert expired(today) == []
    later = [*today, _rec(START + dt.timedelta(days=2))]
    gone = expired(later)
    assert [r.created_at for r in gone] == [r.created_at for r in today[:-1]]


def test_failed_backups_stay_until_a_newer_good_one_exists() -> None:
    bad = _rec(START, ok=False)
    assert expired([bad]) == []
    assert expired([bad, _rec(START + dt.timedelta(hours=1))]) == [bad]


def test_newest_pre_migration_backups_are_kept() -> None:
    records = [_rec(START + dt.timedelta(days=i), label="pre-r0007") for i in range(0, 60, 10)]
    records += [_rec(START + dt.timedelta(days=60 + i)) for i in range(30)]
    gone = expired(records)
    pre_kept = [r for r in records if r.label.startswith("pre-") and r not in gone]
    assert len(pre_kept) >= 3

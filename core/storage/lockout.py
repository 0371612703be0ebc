"""Back-off after failed unlocks, remembered outside the chart (the chart is still locked then).

State lives in the user's state folder (``core.paths.state_dir()``: ``CHARTSIDE_STATE_DIR`` or
the platform's, ``~/.local/state/chartside`` on Linux),
one small JSON file per chart id — never beside the chart and never inside the key file, so a
wrong passphrase changes neither. After ``FREE_ATTEMPTS`` failures in a row each further attempt
must wait ``2 ** (n - FREE_ATTEMPTS)`` seconds (capped at 5 minutes). The failures are written to
the audit log as ``unlock_failed`` events at the next successful unlock.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from core.domain.errors import UnlockThrottled
from core.paths import state_dir

FREE_ATTEMPTS = 5
MAX_DELAY = 300.0


def _file(chart_id: str) -> Path:
    digest = hashlib.sha256(chart_id.encode()).hexdigest()[:24]
    return state_dir() / f"unlock-{digest}.json"


def failures(chart_id: str) -> list[float]:
    try:
        data = json.loads(_file(chart_id).read_text())
        return [float(t) for t in data.get("failures", [])]
    except (OSError, ValueError):
        return []


def delay_for(count: int) -> float:
    if count < FREE_ATTEMPTS:
        return 0.0
    return min(MAX_DELAY, float(2 ** (count - FREE_ATTEMPTS)))


def check(chart_id: str, now: float | None = None) -> None:
    """Raise ``UnlockThrottled`` while the back-off window after the last failure is open."""
    fails = failures(chart_id)
    if not fails:
        return
    now = time.time() if now is None else now
    wait = delay_for(len(fails)) - (now - fails[-1])
    if wait > 0:
        raise UnlockThrottled(wait)


def record_failure(chart_id: str, now: float | None = None) -> None:
    path = _file(chart_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fails = [*failures(chart_id), time.time() if now is None else now][-100:]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"failures": fails}))
    os.replace(tmp, path)


def reset(chart_id: str) -> None:
    _file(chart_id).unlink(missing_ok=True)

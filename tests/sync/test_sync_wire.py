"""Issue 17: the client and the server import one wire package (``syncwire``); neither keeps a
copy. (Until then a drift test compared a vendored copy with the server's file.)"""

from __future__ import annotations

from pathlib import Path

import syncwire
from core.sync import api, apply, engine, push
from server import app as server_app

ROOT = Path(__file__).resolve().parents[2]


def test_one_wire_module_on_both_sides() -> None:
    for module in (api, apply, engine, push):
        assert module.wire is syncwire
    assert server_app.PushRequest is syncwire.PushRequest  # the server's request model
    for copy in ("core/sync/wire.py", "server/protocol.py"):
        assert not (ROOT / copy).exists(), f"{copy} came back: import syncwire instead"

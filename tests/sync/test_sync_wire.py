"""The client's vendored wire models (``core/sync/wire.py``) never drift from the server's."""

from __future__ import annotations

import inspect
from pathlib import Path

from core.sync import wire
from server import protocol

ROOT = Path(__file__).resolve().parents[2]


def _body(path: Path) -> str:
    text = path.read_text("utf-8")
    return text[text.index("# No ``from __future__") :]


def test_vendored_protocol_is_a_verbatim_copy() -> None:
    assert _body(ROOT / "core/sync/wire.py") == _body(ROOT / "server/protocol.py")


def test_models_have_the_same_schema() -> None:
    for name, model in inspect.getmembers(protocol, inspect.isclass):
        if getattr(model, "__module__", "") == protocol.__name__ and hasattr(
            model, "model_json_schema"
        ):
            assert getattr(wire, name).model_json_schema() == model.model_json_schema(), name

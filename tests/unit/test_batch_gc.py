"""``paused_gc`` pauses the cyclic collector for a batch and gives it back as it found it."""

from __future__ import annotations

import gc

import pytest

from core.services.batch import paused_gc


def test_the_collector_is_paused_and_restored_even_on_errors() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():  # nested: the outer block still owns the restore
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

"""Issue 13: passphrase strength comes from zxcvbn. "password12" (rated "Acceptable" before) is
refused on the real create-chart screen and by the core; a fair one is accepted with advice; a
few unrelated words are "Strong". Changing the passphrase applies the same rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from core.domain.errors import WeakPassphrase
from core.services import charts
from core.storage.keys import check_passphrase_strength, estimate_strength
from desktop.screens.create_chart import CreateChartScreen
from tests.desktop.conftest import FAST, PASSPHRASE

WEAK = ["password12", "qwertyuiop1", "chartside123", "abcabcabcabc", "1234567890"]
STRONG = ["tidal-lantern-orchard-47", "copper meadow violin ferry", PASSPHRASE]


@pytest.mark.parametrize("weak", WEAK)
def test_weak_samples_refused(weak: str) -> None:
    assert estimate_strength(weak).score < 2
    with pytest.raises(WeakPassphrase, match="Too easy to guess"):
        check_passphrase_strength(weak)


@pytest.mark.parametrize("strong", STRONG)
def test_strong_samples_accepted(strong: str) -> None:
    assert estimate_strength(strong).score == 4
    check_passphrase_strength(strong)


def _type(qtbot: Any, screen: CreateChartScreen, text: str) -> None:
    for field in (screen.passphrase, screen.repeat):
        field.clear()
        qtbot.keyClicks(field, text)


def test_create_screen_refuses_password12(qtbot: Any, tmp_path: Path) -> None:
    screen = CreateChartScreen()
    qtbot.addWidget(screen)
    screen.start(tmp_path / "clinic.chart", demo=False)
    screen.show()
    requested: list[Any] = []
    screen.create_requested.connect(lambda *args: requested.append(args))

    _type(qtbot, screen, "password12")
    assert screen.strength.text() == "Too easy to guess. This is a very common password."
    qtbot.mouseClick(screen.create_button, Qt.MouseButton.LeftButton)
    assert requested == []
    assert screen.error.text().startswith("Too easy to guess.")
    assert screen.passphrase.text() == "password12"  # nothing typed is lost

    _type(qtbot, screen, "Summer2024!")
    assert screen.strength.text() == "Fair, but guessable: add another unrelated word."

    _type(qtbot, screen, "tidal-lantern-orchard-47")
    assert screen.strength.text() == "Strong."
    qtbot.mouseClick(screen.create_button, Qt.MouseButton.LeftButton)
    assert requested == [(tmp_path / "clinic.chart", "tidal-lantern-orchard-47", False)]


def test_core_refuses_to_create_or_rekey_with_a_weak_passphrase(tmp_path: Path) -> None:
    with pytest.raises(WeakPassphrase):
        charts.create_chart(tmp_path / "weak.chart", "password12", kdf=FAST)
    assert list(tmp_path.iterdir()) == []  # no file was made
    session, _ = charts.create_chart(tmp_path / "ok.chart", PASSPHRASE, kdf=FAST)
    try:
        with pytest.raises(WeakPassphrase):
            charts.change_passphrase(session, PASSPHRASE, "password12", kdf=FAST)
    finally:
        session.lock()
    charts.open_chart(tmp_path / "ok.chart", passphrase=PASSPHRASE).lock()  # unchanged

"""Unlock as yourself (issue 15) through the real unlock screen: when clinicians have passphrases
of their own the screen offers "Unlock as", and the chosen clinician becomes the session's
current clinician (the audit actor); the owner's entry still opens with the main passphrase."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from core.services import charts, users
from tests.conftest import PASSPHRASE
from tests.desktop.conftest import Seeded, settle

ADA = "lantern-orchard-tidal-47"


def test_unlock_screen_offers_users_and_unlocks_as_one(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    owner = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        users.add_user(owner, seeded.clinician_id, ADA)
    finally:
        owner.lock()
    window = open_window(seeded.path)
    screen = window.screens.unlock
    assert screen.who.isVisible()
    assert screen.who.itemText(0).startswith("Chart owner")
    screen.who.setCurrentIndex(1)
    assert screen.secret.placeholderText() == "Your passphrase"
    # Ada's passphrase under "Chart owner" is refused, inline.
    screen.who.setCurrentIndex(0)
    qtbot.keyClicks(screen.secret, ADA)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(screen.error.text()), timeout=45_000)
    assert window.current_screen() == "unlock"
    screen.who.setCurrentIndex(1)
    qtbot.keyClicks(screen.secret, ADA)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "workspace", timeout=45_000)
    settle(qtbot, window)
    assert window.ctx.session.clinician_id == seeded.clinician_id
    # The recovery-key path hides the choice (the recovery key is the owner's).
    screen.use_recovery.setChecked(True)
    assert screen.who.isHidden() and screen.selected_user() is None

"""Help → About Chartside (issue 16): the version from its one place and the data packs."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from core.version import __version__, data_packs


def test_about_shows_version_and_data_packs(qtbot: QtBot) -> None:
    from desktop.about import AboutDialog

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = dialog.text()
    assert f"Chartside {__version__}" in text
    packs = dict(data_packs())
    assert "missing" not in packs.values()
    for name, version in packs.items():
        assert f"{name}: {version}" in text
    assert "NCCI pair edits" in packs and "Speech model" in packs
    assert "Qt 6." in text and "SQLCipher" in text


def test_version_is_the_installed_distributions() -> None:
    from importlib.metadata import version

    assert version("chartside") == __version__

"""``desktop.platform_check`` decisions with a stand-in loader (pure logic), and the one
package list kept in step across the code, the README and ``.ci/run``."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.platform_check import (
    XCB_LIBRARIES,
    WindowSystemUnavailable,
    check_window_system,
    debian_packages,
    install_line,
    uses_xcb,
)

ROOT = Path(__file__).resolve().parents[2]
X11 = {"DISPLAY": ":0"}


def loader(missing: set[str]):  # type: ignore[no-untyped-def]
    def load(name: str) -> None:
        if Path(name).name in missing:
            raise OSError(f"{Path(name).name}: cannot open shared object file: No such file")
    return load


def test_all_libraries_present_is_quiet() -> None:
    check_window_system(X11, load=loader(set()), plugin=None, platform="linux")


def test_missing_libraries_are_named_with_their_packages_and_the_install_line() -> None:
    with pytest.raises(WindowSystemUnavailable) as raised:
        check_window_system(X11, load=loader({"libxcb-cursor.so.0", "libxcb-icccm.so.4"}),
                            plugin=None, platform="linux")
    text = str(raised.value)
    assert "libxcb-cursor0, libxcb-icccm4" in text and install_line() in text
    assert raised.value.exit_code == 9


def test_a_library_the_list_does_not_know_is_found_by_loading_the_plugin(tmp_path: Path
                                                                        ) -> None:
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    with pytest.raises(WindowSystemUnavailable, match=r"libweird\.so\.3"):
        check_window_system(X11, load=lambda name: _plugin_fails(name, plugin), plugin=plugin,
                            platform="linux")


def _plugin_fails(name: str, plugin: Path) -> None:
    if name == str(plugin):
        raise OSError("libweird.so.3: cannot open shared object file: No such file")


def test_no_display_is_said_plainly() -> None:
    with pytest.raises(WindowSystemUnavailable, match="no display"):
        check_window_system({}, load=loader(set()), plugin=None, platform="linux")


@pytest.mark.parametrize(("env", "platform", "xcb"), [
    ({}, "win32", False), ({}, "darwin", False), ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True), ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False), ({"DISPLAY": ":1"}, "linux", True),
])
def test_only_the_xcb_platform_is_checked(env: dict[str, str], platform: str, xcb: bool) -> None:
    assert uses_xcb(env, platform) is xcb
    if not xcb:  # nothing is loaded, nothing raised, even with everything "missing"
        check_window_system(env, load=loader(set(XCB_LIBRARIES)), plugin=None, platform=platform)


def test_one_package_list_for_the_code_the_readme_and_ci() -> None:
    packages = debian_packages()
    assert set(XCB_LIBRARIES.values()) <= set(packages)
    assert install_line() in (ROOT / "README.md").read_text()
    assert "resources/system/debian-packages.txt" in (ROOT / ".ci" / "run").read_text()

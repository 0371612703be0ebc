"""Exit codes (issue 17): one failure class per code, as the README's table says. Every
``ChartsideError`` subclass in the app is found by importing the modules that define them."""

from __future__ import annotations

import importlib

from core.domain.errors import ChartsideError

MODULES = ("core.domain.errors", "core.sync.errors", "scribe.errors", "core.services.claim_scrub",
           "core.rules.packs", "desktop.platform_check")

# code → the base classes whose failures may use it
TABLE: dict[int, tuple[str, ...]] = {
    1: ("ChartsideError",),  # the base (and main's catch-all for bugs)
    2: ("InvalidInput", "NoSpeechFound"),  # bad input, including audio with no speech
    3: ("WrongPassphrase", "UnlockThrottled"),
    4: ("NotFound", "BackupFolderMissing"),
    5: ("ChartError", "RulePackError", "MeasurePackError"),  # chart, backup or data pack damaged
    6: ("StorageFailure",),
    # 7: audit chain or integrity check failed — returned by those commands, not raised
    8: ("ScrubBlocked", "ClaimRouteRequired"),  # the superbill is blocked
    9: ("WindowSystemUnavailable",),
    10: ("ScribeError",),  # the dictation model or audio pipeline
    11: ("SyncError",),
    130: ("TranscriptionCancelled",),
}


def _all_subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_all_subclasses(sub)]
    return out


def test_each_exit_code_means_one_failure_class() -> None:
    for name in MODULES:
        importlib.import_module(name)
    misfiled = []
    for cls in _all_subclasses(ChartsideError):
        if not cls.__module__.startswith(("core.", "scribe.", "desktop.", "server.")):
            continue  # a test's own stand-in error
        bases = {c.__name__ for c in cls.__mro__}
        allowed = TABLE.get(cls.exit_code, ())
        if not bases & set(allowed):
            misfiled.append(f"{cls.__module__}.{cls.__name__} exits {cls.exit_code}")
    assert not misfiled, misfiled


def test_scribe_and_sync_no_longer_share_codes() -> None:
    from core.sync.errors import SyncError
    from scribe.errors import ScribeError

    assert ScribeError.exit_code == 10 and SyncError.exit_code == 11

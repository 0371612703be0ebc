"""Run ``chartside`` commands in this process (``desktop.cli.main``), as the CLI tests of the
schedule, inventory and users do: the same parser, the same exit codes and messages, without
a Python start-up per command (each cost ~1–3 s of CI time). The real subprocess path is covered
by the CLI fuzz and the end-to-end tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str],
        env: dict[str, str]) -> Ran:
    from desktop.cli import main

    with monkeypatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        capsys.readouterr()
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own refusals
            code = int(exc.code or 0)
        out = capsys.readouterr()
    return Ran(code, out.out, out.err)

"""The key envelope is written whole or not at all, schema-checked, and its costs bounded."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from core.domain.errors import ChartCorrupt, ChartError, WrongPassphrase
from core.services import charts
from core.storage import files
from core.storage.chart import ChartSession, key_path
from core.storage.keys import KdfParams, KeyFile
from tests.conftest import PASSPHRASE

NEW = "harbor-violet-canyon-88"


def test_short_writes_are_continued(
    chart: ChartSession, chart_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = os.write

    def dribble(fd: int, data: bytes | memoryview) -> int:
        return real_write(fd, bytes(data[:7]))  # the kernel may write less than asked

    monkeypatch.setattr(files.os, "write", dribble)
    charts.change_passphrase(chart, PASSPHRASE, NEW, kdf=KdfParams.fast_for_tests())
    monkeypatch.undo()
    chart.lock()
    charts.open_chart(chart_path, passphrase=NEW).lock()
    prev = key_path(chart_path).with_name(key_path(chart_path).name + ".prev")
    assert KeyFile.load(prev).unlock_with_passphrase(PASSPHRASE)  # the previous envelope kept


CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from core.services import charts
    from core.storage.keys import KdfParams
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
    chart = charts.open_chart(Path(sys.argv[1]), passphrase=sys.argv[2])
    resource.setrlimit(resource.RLIMIT_FSIZE, (512, resource.RLIM_INFINITY))
    try:
        charts.change_passphrase(chart, sys.argv[2], sys.argv[3], kdf=KdfParams.fast_for_tests())
    except Exception as exc:
        print(type(exc).__name__, getattr(exc, "exit_code", None), exc)
    """
)


def test_a_file_size_limit_never_truncates_the_only_envelope(
    chart: ChartSession, chart_path: Path
) -> None:
    chart.lock()
    before = key_path(chart_path).read_bytes()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(chart_path), PASSPHRASE, NEW],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ},
    )
    assert out.stdout.startswith("StorageFailure 6"), out.stdout + out.stderr
    assert key_path(chart_path).read_bytes() == before
    assert not [p for p in chart_path.parent.iterdir() if p.name.endswith(".tmp")]
    charts.open_chart(chart_path, passphrase=PASSPHRASE).lock()


def _envelope(chart_path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(key_path(chart_path).read_text())


def test_kdf_costs_are_bounded(chart: ChartSession, chart_path: Path) -> None:
    chart.lock()
    data = _envelope(chart_path)
    for field, value in (("t", 100_000), ("m_kib", 64 * 1024 * 1024), ("p", 0), ("t", "3")):
        bad = json.loads(json.dumps(data))
        bad["passphrase"]["kdf"][field] = value
        key_path(chart_path).write_text(json.dumps(bad))
        t0 = time.monotonic()
        with pytest.raises(ChartCorrupt, match="damaged"):
            charts.open_chart(chart_path, passphrase=PASSPHRASE)
        assert time.monotonic() - t0 < 2


def test_mutated_key_files_are_refused_cleanly(chart: ChartSession, chart_path: Path) -> None:
    chart.lock()
    good = key_path(chart_path).read_bytes()
    rng = random.Random(15)
    for _ in range(300):
        data = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            op = rng.random()
            pos = rng.randrange(max(1, len(data)))
            if op < 0.4 and data:
                data[pos] = rng.randrange(256)
            elif op < 0.7:
                del data[pos:]
            else:
                data[pos:pos] = rng.choice([b"9999999", b"{", b'"', b"null", b"[]"])
        key_path(chart_path).write_bytes(bytes(data))
        try:
            charts.open_chart(chart_path, passphrase=PASSPHRASE).lock()
        except (ChartCorrupt, WrongPassphrase):
            pass
        except Exception as exc:  # anything else is a crash
            raise AssertionError(f"{type(exc).__name__}: {exc} for {bytes(data)[:80]!r}") from exc


def test_save_refuses_an_envelope_that_does_not_open(chart: ChartSession, chart_path: Path) -> None:
    kf = KeyFile.load(key_path(chart_path))
    dek = bytearray(32)  # not this chart's key
    before = key_path(chart_path).read_bytes()
    with pytest.raises(ChartCorrupt, match="does not open"):
        kf.save(key_path(chart_path), dek=dek, passphrase=PASSPHRASE)
    assert key_path(chart_path).read_bytes() == before


def test_writes_never_follow_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    link = tmp_path / "export.json"
    link.symlink_to(victim)
    files.write_atomic(link, b"{}")
    assert victim.read_text() == "keep" and not link.is_symlink()
    assert oct(link.stat().st_mode & 0o777) == oct(0o600)
    with pytest.raises(ChartError):
        files.write_atomic(tmp_path / "gone" / "x", b"1")

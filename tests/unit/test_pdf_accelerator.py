"""reportlab's C helpers are installed (``reportlab[accel]``, issue 24): without them every PDF
(superbill, CMS-1500, estimate, mileage log) silently renders through the Python fallbacks, a
150-visit statement in ~1.3x the CPU (bench/bench_superbill.py)."""

from __future__ import annotations


def test_reportlab_uses_its_c_helpers() -> None:
    from reportlab.lib import rl_accel

    assert not rl_accel._py_funcs, f"Python fallbacks in use: {sorted(rl_accel._py_funcs)}"

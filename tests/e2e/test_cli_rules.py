"""``chartside units`` / ``check`` / ``demo`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli_foundation import PASS, run


@pytest.mark.parametrize(
    ("method", "pairs", "expected"),
    [
        ("cms", ["97110=33", "97140=7"], {"97110": 2, "97140": 1}),
        ("per-code", ["97110=33", "97140=7"], {"97110": 2, "97140": 0}),
        ("cms", ["97112=24", "97110=23"], {"97112": 2, "97110": 1}),
        ("per-code", ["97110=10", "97530=10"], {"97110": 1, "97530": 1}),
    ],
)
def test_units_json(method: str, pairs: list[str], expected: dict[str, int]) -> None:
    res = run(["units", "--method", method, *pairs, "--json"])
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["units"] == expected
    assert data["total_units"] == sum(expected.values())
    assert data["ties"] == []


def test_units_json_reports_ties() -> None:
    res = run(["units", "--method", "cms", "97112=20", "97110=20", "--json"])
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["total_units"] == 3
    assert data["ties"] == [{"codes": ["97112", "97110"], "remainder_minutes": 5, "units": 1,
                             "default": ["97112"]}]
    assert any("TIE" in line for line in data["explanation"])


def test_units_explains() -> None:
    res = run(["units", "--method", "cms", "97110=33", "97140=7"])
    assert res.returncode == 0
    assert "40" in res.stdout and "97140" in res.stdout and "Total: 3 units" in res.stdout


@pytest.mark.parametrize(
    ("pairs", "needle"),
    [(["99999=10"], "99999"), (["97110=ten"], "whole number"), (["97110=-5"], "negative"),
     (["97110"], "CODE=MINUTES"), (["97110=--5"], "whole number"),
     (["97110=²"], "whole number"), (["97110=٣"], "whole number"), (["97110=5.5"], "whole number")],
)
def test_units_malformed_exit_2(pairs: list[str], needle: str) -> None:
    res = run(["units", "--method", "cms", *pairs])
    assert res.returncode == 2
    assert needle.lower() in res.stderr.lower()
    assert "Traceback" not in res.stderr


def test_demo_chart_and_check(tmp_path: Path) -> None:
    path = tmp_path / "demo.chart"
    env = {"CHARTSIDE_PASSPHRASE": PASS}
    res = run(["--chart", str(path), "demo"], env, tmp_path)
    assert res.returncode == 0, res.stderr
    assert "10 patients" in res.stdout
    res = run(["--chart", str(path), "patients", "--json"], env, tmp_path)
    people = json.loads(res.stdout)
    assert len(people) >= 8
    res = run(["--chart", str(path), "export", "--format", "json"], env, tmp_path)
    data = json.loads(res.stdout)
    visits = [v for p in data["patients"] for e in p["episodes"] for v in e["visits"]]
    statuses = {v["note"]["status"] for v in visits if v["note"]}
    assert statuses == {"signed", "draft"}
    same_day = [v for v in visits if v["note"]
                and {"97110", "97530"} <= {b["code"] for b in v["note"]["blocks"]}]
    assert len(same_day) > 20
    sided = {d["laterality"] for p in data["patients"] for e in p["episodes"]
             for d in e["diagnoses"]}
    assert {"right", "left"} <= sided
    draft_id = next(v["note"]["id"] for v in visits if v["note"] and v["note"]["status"] == "draft")
    res = run(["--chart", str(path), "check", draft_id, "--json"], env, tmp_path)
    assert res.returncode == 0, res.stderr
    assert all(f["severity"] != "block" for f in json.loads(res.stdout))
    res = run(["--chart", str(path), "check", "not-a-uuid"], env, tmp_path)
    assert res.returncode == 2

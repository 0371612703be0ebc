"""``chartside practice`` end to end as a real subprocess: set the profile field by field, a
refused value exits 2 with the reason and changes nothing, ``show --json`` reads it back."""

from __future__ import annotations

import json
from pathlib import Path

from core.services.demo import fake_npi
from tests.e2e.test_cli_foundation import PASS, cli_chart, run  # noqa: F401  (fixture)

ENV = {"CHARTSIDE_PASSPHRASE": PASS}


def practice(chart: Path, *args: str) -> tuple[int, str, str]:
    res = run(["--chart", str(chart), "practice", *args], ENV, chart.parent / "st")
    return res.returncode, res.stdout, res.stderr


def test_practice_profile_from_the_command_line(cli_chart: Path) -> None:  # noqa: F811
    code, out, _err = practice(cli_chart, "show")
    assert code == 0 and "No practice details yet" in out
    npi = fake_npi("198765432")
    code, out, err = practice(cli_chart, "set", "--name", "Harbor Rehab", "--npi", npi,
                              "--ein", "912345678", "--taxonomy", "225100000x",
                              "--license", "CL-0042", "--city", "Astoria")
    assert code == 0, err
    assert "Harbor Rehab" in out and "91-2345678" in out and "225100000X" in out
    code, _out, err = practice(cli_chart, "set", "--taxonomy", "2251")
    assert code == 2 and "not a provider taxonomy code" in err
    code, _out, err = practice(cli_chart, "set")
    assert code == 2 and "at least one field" in err
    code, out, err = practice(cli_chart, "show", "--json")
    assert code == 0, err
    assert json.loads(out) == {
        "name": "Harbor Rehab", "address_line1": "", "address_line2": "", "city": "Astoria",
        "state": "", "postal_code": "", "phone": "", "npi": npi, "tax_id": "91-2345678",
        "license_number": "CL-0042", "taxonomy_code": "225100000X",
    }

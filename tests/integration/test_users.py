"""Each clinician unlocks as themselves (issue 15): per-user key wraps on a real chart, the audit
actor is the unlocked user, only the owner adds and removes users, tampered wraps refuse."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.domain.enums import Discipline
from core.domain.errors import NotAllowed, WeakPassphrase, WrongPassphrase
from core.services import charts, patients, practice, users
from core.storage.chart import ChartSession, key_path, open_chart
from tests.conftest import PASSPHRASE
from tests.integration.cli_inprocess import Ran, run

ADA = "lantern-orchard-tidal-47"
BEN = "copper-meadow-violin-83"


@pytest.fixture
def team(chart: ChartSession) -> dict[str, object]:
    ada = practice.add_clinician(chart, first_name="Ada", last_name="Quist",
                                 discipline=Discipline.PT, credentials="PT, DPT").value
    ben = practice.add_clinician(chart, first_name="Ben", last_name="Okafor",
                                 discipline=Discipline.OT).value
    users.add_user(chart, ada.id, ADA)
    return {"ada": ada, "ben": ben}


def _audit_actors(chart: ChartSession) -> list[tuple[str, str, str]]:
    return [(r["action"], r["entity"], r["actor"]) for r in charts.recent_audit(chart, 200)]


def test_a_user_unlocks_as_themselves_and_is_the_audit_actor(
    chart: ChartSession, team: dict[str, object]
) -> None:
    ada = team["ada"]
    assert [(u.label, u.role) for u in users.list_users(chart.path)] == [("Ada Quist, PT, DPT",
                                                                         "clinician")]
    chart.lock()
    session = open_chart(chart.path, passphrase=ADA, user=str(ada.id))  # type: ignore[attr-defined]
    try:
        assert session.user == str(ada.id) and session.actor == str(ada.id)  # type: ignore[attr-defined]
        assert not session.is_owner
        patients.create_patient(session, first_name="Nell", last_name="Testcase",
                                date_of_birth=dt.date(1970, 1, 1))
        rows = _audit_actors(session)
        assert ("create", "patient", str(ada.id)) in rows  # type: ignore[attr-defined]
        assert ("unlock", "chart", str(ada.id)) in rows  # type: ignore[attr-defined]
        # the owner's choice of "current clinician" cannot make Ada chart as Ben
        with pytest.raises(NotAllowed):
            charts.set_current_clinician(session, str(team["ben"].id))  # type: ignore[attr-defined]
        with pytest.raises(NotAllowed):
            users.add_user(session, team["ben"].id, BEN)  # type: ignore[attr-defined]
        with pytest.raises(NotAllowed):
            users.remove_user(session, ada.id)  # type: ignore[attr-defined]
    finally:
        session.lock()


def test_wrong_user_passphrase_and_the_owner_passphrase_stay_apart(
    chart: ChartSession, team: dict[str, object]
) -> None:
    ada = str(team["ada"].id)  # type: ignore[attr-defined]
    chart.lock()
    with pytest.raises(WrongPassphrase):
        open_chart(chart.path, passphrase=PASSPHRASE, user=ada)  # the owner's is not Ada's
    with pytest.raises(WrongPassphrase):
        open_chart(chart.path, passphrase=ADA)  # Ada's is not the owner's
    with pytest.raises(WrongPassphrase, match="cannot unlock"):
        open_chart(chart.path, passphrase=BEN, user=str(team["ben"].id))  # type: ignore[attr-defined]
    owner = open_chart(chart.path, passphrase=PASSPHRASE)
    assert owner.is_owner and owner.user is None
    owner.lock()


def test_a_user_changes_only_their_own_passphrase(
    chart: ChartSession, team: dict[str, object]
) -> None:
    ada = str(team["ada"].id)  # type: ignore[attr-defined]
    chart.lock()
    session = open_chart(chart.path, passphrase=ADA, user=ada)
    new = "harbor-quilt-saffron-19"
    charts.change_passphrase(session, ADA, new)
    session.lock()
    with pytest.raises(WrongPassphrase):
        open_chart(chart.path, passphrase=ADA, user=ada)
    open_chart(chart.path, passphrase=new, user=ada).lock()
    open_chart(chart.path, passphrase=PASSPHRASE).lock()  # the owner's is untouched


def test_owner_removes_a_user_and_weak_passphrases_are_refused(
    chart: ChartSession, team: dict[str, object]
) -> None:
    before = key_path(chart.path).read_bytes()
    with pytest.raises(WeakPassphrase):
        users.add_user(chart, team["ben"].id, "password12")  # type: ignore[attr-defined]
    assert key_path(chart.path).read_bytes() == before  # nothing written
    users.remove_user(chart, team["ada"].id)  # type: ignore[attr-defined]
    assert users.list_users(chart.path) == []
    assert ("delete", "user_key", chart.actor) in _audit_actors(chart)
    chart.lock()
    with pytest.raises(WrongPassphrase, match="cannot unlock"):
        open_chart(chart.path, passphrase=ADA, user=str(team["ada"].id))  # type: ignore[attr-defined]


@pytest.mark.parametrize("field,value", [("role", "owner"), ("label", "Someone Else")])
def test_an_edited_wrap_does_not_open(
    chart: ChartSession, team: dict[str, object], field: str, value: str
) -> None:
    """Role and label are bound into the wrap: promoting oneself in the file breaks it."""
    ada = str(team["ada"].id)  # type: ignore[attr-defined]
    chart.lock()
    kpath = key_path(chart.path)
    data = json.loads(kpath.read_text())
    data["users"][ada][field] = value
    kpath.write_text(json.dumps(data))
    with pytest.raises(WrongPassphrase):
        open_chart(chart.path, passphrase=ADA, user=ada)


def test_cli_users_add_list_and_unlock_as(
    chart: ChartSession, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    practice.add_clinician(chart, first_name="Cleo", last_name="Marsh", discipline=Discipline.SLP)
    chart.lock()
    env = {"CHARTSIDE_PASSPHRASE": PASSPHRASE, "CHARTSIDE_NEW_PASSPHRASE": BEN}

    def cli(*words: str, **extra: str) -> Ran:
        return run(capsys, monkeypatch, ["--chart", str(chart.path), *words], {**env, **extra})

    added = cli("users", "add", "cleo m")
    assert added.returncode == 0, added.stderr
    listed = json.loads(cli("users", "list", "--json").stdout)
    assert [u["label"] for u in listed] == ["Cleo Marsh"]
    as_cleo = cli("--user", "cleo", "verify-audit", CHARTSIDE_PASSPHRASE=BEN)
    assert as_cleo.returncode == 0, as_cleo.stderr
    refused = cli("--user", "cleo", "users", "remove", "cleo", CHARTSIDE_PASSPHRASE=BEN)
    assert refused.returncode == 2 and "owner" in refused.stderr
    unknown = cli("--user", "nobody", "verify-audit")
    assert unknown.returncode == 2 and "users list" in unknown.stderr

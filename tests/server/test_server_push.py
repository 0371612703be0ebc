"""Push/pull semantics: idempotency, replays, reordering, lost acks, signed records, cursor."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from server_helpers import Device, Practice, child_of, make_change
from sqlalchemy import Engine
from starlette.types import Message, Receive, Scope, Send


def statuses(results: list[dict[str, Any]]) -> list[str]:
    return [r["status"] for r in results]


def test_replayed_batch_gets_identical_bytes_and_no_duplicates(practice: Practice) -> None:
    device = practice.enroll()
    root = make_change()
    changes = [root, child_of(root), make_change()]
    batch = uuid.uuid4()
    first = device.push(changes, batch_id=batch)
    again = device.push(changes, batch_id=batch)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert statuses(first.json()["results"]) == ["accepted"] * 3
    assert [c["seq"] for c in device.pull_all()] == [1, 2, 3]


def test_batch_id_reused_for_a_different_body_is_refused(practice: Practice) -> None:
    device = practice.enroll()
    batch = uuid.uuid4()
    device.push_ok([make_change()], batch_id=batch)
    response = device.push([make_change()], batch_id=batch)
    assert (response.status_code, response.json()["error"]) == (409, "batch_conflict")
    assert len(device.pull_all()) == 1


def test_same_changes_in_a_new_batch_are_duplicates(practice: Practice) -> None:
    device = practice.enroll()
    changes = [make_change(), make_change()]
    first = device.push_ok(changes)
    second = device.push_ok(list(reversed(changes)))
    assert statuses(second) == ["duplicate", "duplicate"]
    assert [r["seq"] for r in second] == [first[1]["seq"], first[0]["seq"]]
    assert len(device.pull_all()) == 2


def test_duplicate_inside_one_batch_points_at_the_first(practice: Practice) -> None:
    device = practice.enroll()
    change = make_change()
    results = device.push_ok([change, change])
    assert statuses(results) == ["accepted", "duplicate"]
    assert results[0]["seq"] == results[1]["seq"] == 1
    assert len(device.pull_all()) == 1


def test_reused_ids_with_different_content_are_conflicts(practice: Practice) -> None:
    device = practice.enroll()
    original = make_change()
    device.push_ok([original])
    altered = dict(original, ciphertext=make_change()["ciphertext"])
    new_change_same_version = dict(make_change(), version_id=original["version_id"])
    results = device.push_ok([altered, new_change_same_version])
    assert statuses(results) == ["change_conflict", "version_conflict"]
    assert all(r["seq"] is None and r["detail"] for r in results)
    assert len(device.pull_all()) == 1


def test_reordered_batches_are_retried_not_dropped(practice: Practice) -> None:
    device = practice.enroll()
    root = make_change()
    child = child_of(root)
    grandchild = child_of(child)
    late_batch = uuid.uuid4()
    early = device.push_ok([child, grandchild], batch_id=late_batch)
    assert statuses(early) == ["unknown_parent", "unknown_parent"]
    assert root["version_id"] in early[0]["detail"]
    device.push_ok([root])
    # The rejected batch replays its stored answer; the client resends in a new batch.
    assert statuses(device.push_ok([child, grandchild], batch_id=late_batch)) == [
        "unknown_parent",
        "unknown_parent",
    ]
    assert statuses(device.push_ok([child, grandchild])) == ["accepted", "accepted"]
    log = device.pull_all()
    assert [c["version_id"] for c in log] == [
        root["version_id"],
        child["version_id"],
        grandchild["version_id"],
    ]
    # Causally closed: every parent appears before its child in seq order.
    seen: set[str] = set()
    for change in log:
        assert set(change["parent_ids"]) <= seen
        seen.add(change["version_id"])


def test_parent_must_belong_to_the_same_record(practice: Practice) -> None:
    device = practice.enroll()
    other_record = make_change()
    device.push_ok([other_record])
    stray = make_change(parents=[other_record["version_id"]])
    assert statuses(device.push_ok([stray])) == ["unknown_parent"]


def test_merge_with_two_parents(practice: Practice) -> None:
    desk, laptop = practice.enroll("desk"), practice.enroll("laptop")
    root = make_change()
    desk.push_ok([root])
    left, right = child_of(root), child_of(root)
    desk.push_ok([left])
    laptop.push_ok([right])
    merge = make_change(
        record_id=root["record_id"], parents=[left["version_id"], right["version_id"]], kind="merge"
    )
    assert statuses(laptop.push_ok([merge])) == ["accepted"]
    assert len(desk.pull_all()) == 4


class DropFirstPushResponse:
    """Runs the app to completion (the push commits) but loses the first push's answer."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.dropped = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.dropped or scope.get("path") != "/v1/sync/push":
            await self.app(scope, receive, send)
            return
        self.dropped = True

        async def swallow(_message: Message) -> None:
            return None

        await self.app(scope, receive, swallow)
        await send({"type": "http.response.start", "status": 502, "headers": []})
        await send({"type": "http.response.body", "body": b"proxy lost the upstream answer"})


def test_lost_acknowledgement_retry_gets_the_stored_answer(
    practice: Practice, app: FastAPI
) -> None:
    device = practice.enroll()
    lossy = DropFirstPushResponse(app)
    with TestClient(lossy) as flaky_client:
        retrying = Device(flaky_client, device.device_id, device.token, device.account_id)
        changes = [make_change(), make_change()]
        batch = uuid.uuid4()
        assert retrying.push(changes, batch_id=batch).status_code == 502
        retry = retrying.push(changes, batch_id=batch)
        assert retry.status_code == 200
        assert retry.headers["idempotent-replayed"] == "true"
        assert statuses(retry.json()["results"]) == ["accepted", "accepted"]
        assert retrying.push(changes, batch_id=batch).content == retry.content
    assert [c["seq"] for c in device.pull_all()] == [1, 2]


def test_signed_record_takes_only_addenda(practice: Practice) -> None:
    device = practice.enroll()
    draft = make_change()
    sign = child_of(draft, kind="sign")
    assert statuses(device.push_ok([draft, sign])) == ["accepted", "accepted"]
    late_edit = child_of(draft)
    addendum = child_of(sign, kind="addendum")
    second_sign = child_of(sign, kind="sign")
    delete = child_of(sign, kind="delete")
    unrelated = make_change()
    results = device.push_ok([late_edit, addendum, second_sign, delete, unrelated])
    assert statuses(results) == [
        "note_signed",
        "accepted",
        "note_signed",
        "note_signed",
        "accepted",
    ]
    assert "addend" in results[0]["detail"]
    kinds = [c["kind"] for c in device.pull_all()]
    assert kinds == ["create", "sign", "addendum", "create"]


def test_sign_then_edit_in_one_batch_and_edit_then_sign(practice: Practice) -> None:
    device = practice.enroll()
    a, b = make_change(), make_change()
    device.push_ok([a, b])
    a_sign, a_edit = child_of(a, kind="sign"), child_of(a)
    b_edit = child_of(b)
    b_sign = child_of(b_edit, kind="sign")
    results = device.push_ok([a_sign, a_edit, b_edit, b_sign])
    assert statuses(results) == ["accepted", "note_signed", "accepted", "accepted"]


def test_sign_race_between_devices_first_sign_wins(practice: Practice) -> None:
    signer, editor = practice.enroll("signer"), practice.enroll("editor")
    draft = make_change()
    signer.push_ok([draft])
    editor.pull_all()
    signer.push_ok([child_of(draft, kind="sign")])
    # The editor worked offline from the same draft; its edit and its own sign lose.
    results = editor.push_ok([child_of(draft), child_of(draft, kind="sign")])
    assert statuses(results) == ["note_signed", "note_signed"]


def test_pull_pages_and_cursor(practice: Practice) -> None:
    device = practice.enroll()
    device.push_ok([make_change() for _ in range(7)])
    page = device.pull(after=0, limit=3).json()
    assert [c["seq"] for c in page["changes"]] == [1, 2, 3]
    assert (page["next_after"], page["has_more"], page["last_seq"]) == (3, True, 7)
    page = device.pull(after=6, limit=3).json()
    assert ([c["seq"] for c in page["changes"]], page["has_more"]) == ([7], False)
    page = device.pull(after=7).json()
    assert (page["changes"], page["next_after"], page["has_more"]) == ([], 7, False)
    response = device.pull(after=8)
    assert (response.status_code, response.json()["error"]) == (409, "resync_required")
    assert device.pull(limit=1001).json()["error"] == "invalid_request"


def test_pulled_change_round_trips_every_field(practice: Practice) -> None:
    device = practice.enroll()
    root = make_change()
    child = dict(child_of(root), schema_version=3)
    device.push_ok([root, child])
    pulled = device.pull_all()[1]
    for key, value in child.items():
        assert pulled[key] == value, key
    assert pulled["device_id"] == device.device_id
    assert pulled["received_at"].endswith("Z")


def test_pull_names_its_log_and_refuses_a_cursor_from_another(
    practice: Practice, engine: Engine
) -> None:
    """Log identity (issue 22): the epoch and the change at the cursor must match."""
    from server import backup

    device = practice.enroll()
    device.push_ok([make_change() for _ in range(4)])
    page = device.pull(after=0, limit=2).json()
    epoch, at = page["epoch"], page["changes"][-1]["change_id"]

    def pull(**params: object) -> Any:
        response = device.client.get(
            "/v1/sync/pull", params={"after": 2, **params}, headers=device.headers
        )
        return response.status_code, response.json().get("error")

    assert pull(epoch=epoch, at=at)[0] == 200
    assert pull(epoch=epoch, at=str(uuid.uuid4())) == (409, "resync_required")
    assert pull(epoch=str(uuid.uuid4()), at=at) == (409, "resync_required")
    assert backup.new_epochs(engine, "operator") == 1
    assert pull(epoch=epoch, at=at) == (409, "resync_required")
    fresh = device.pull(after=0, limit=2).json()
    assert fresh["epoch"] != epoch and fresh["changes"][-1]["change_id"] == at


def test_pull_pages_are_capped_by_bytes_not_only_by_count(practice: Practice) -> None:
    """Issue 22: 1 MB changes come 4 to a page (MAX_PULL_BYTES = 4 MiB), never all at once."""
    from syncwire import MAX_PULL_BYTES

    device = practice.enroll()
    for _ in range(6):
        device.push_ok([make_change(plaintext=b"x" * 1_000_000)])
    device.push_ok([make_change(plaintext=b"small") for _ in range(3)])
    page = device.pull(after=0, limit=1000).json()
    assert [c["seq"] for c in page["changes"]] == [1, 2, 3, 4] and page["has_more"]
    assert len(page["changes"]) * 1_000_000 <= MAX_PULL_BYTES
    page = device.pull(after=4, limit=1000).json()
    assert [c["seq"] for c in page["changes"]] == [5, 6, 7, 8, 9] and not page["has_more"]
    assert [c["seq"] for c in device.pull_all()] == list(range(1, 10))

"""OpenAPI schema, health check, and the standalone protocol module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parents[2]


def test_openapi_is_served_and_complete(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    expected = {
        ("/v1/health", "get"),
        ("/v1/enroll", "post"),
        ("/v1/devices", "get"),
        ("/v1/devices/{device_id}/revoke", "post"),
        ("/v1/sync/push", "post"),
        ("/v1/sync/pull", "get"),
        ("/v1/keys", "post"),
        ("/v1/keys", "get"),
        # online booking (issue 19): public, then for devices
        ("/v1/book/{slug}/availability", "get"),
        ("/v1/book/{slug}/requests", "post"),
        ("/v1/booking/page", "put"),
        ("/v1/booking/page", "get"),
        ("/v1/booking/requests", "get"),
        ("/v1/booking/requests/{request_id}/decision", "post"),
    }
    assert {(p, m) for p, ops in paths.items() for m in ops} == expected
    components = schema["components"]
    assert {"PushRequest", "PushResponse", "Change", "PullResponse", "ErrorBody"} <= set(
        components["schemas"]
    )
    assert components["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    push = paths["/v1/sync/push"]["post"]
    assert push["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PushResponse"
    )
    assert push["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorBody"
    )
    assert client.get("/docs").status_code == 404  # no CDN-loading docs page


def test_health(client: TestClient) -> None:
    assert client.get("/v1/health").json() == {"status": "ok", "protocol": 1}


def test_protocol_module_stands_alone() -> None:
    """The one wire package (``syncwire``) needs nothing but pydantic."""
    path = str(REPO / "syncwire" / "__init__.py")
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('protocol', {path!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'starlette', 'sqlalchemy', 'server', 'core', 'alembic', 'psycopg')]\n"
        "assert not heavy, heavy\n"
        "module.PushRequest.model_json_schema()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO / "tests")

"""Sync server URLs (issue 15): https only, plain http only to this computer."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from core.domain.errors import InvalidInput
from core.sync.api import SyncApi, check_server_url
from core.sync.errors import ServerUnavailable


@pytest.mark.parametrize("url", [
    "https://sync.example-practice.com", "https://10.0.0.5:8443/", "http://127.0.0.1:8000",
    "http://localhost:9000", "http://[::1]:8000", "http://127.8.9.10"])
def test_accepted(url: str) -> None:
    assert check_server_url(url) == url


@pytest.mark.parametrize("url", [
    "http://sync.example-practice.com", "http://192.168.1.20:8000", "http://10.0.0.5",
    "ftp://x", "sync.example.com", "", "https://", "http://"])
def test_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        check_server_url(url)


def test_the_client_refuses_before_any_request() -> None:
    with pytest.raises(InvalidInput, match="https://"):
        SyncApi("http://sync.example-practice.com", "token")


def test_the_shared_tls_context_still_refuses_an_unknown_certificate(tmp_path: Path) -> None:
    """Every client shares one TLS context (``api._tls``: building one per client cost half of
    a one-note sync); it still verifies: a loopback HTTPS server with a self-signed certificate
    is refused by the first client and by the next one, which reuses the context."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for _ in range(2):
            api = SyncApi(f"https://127.0.0.1:{server.server_port}", "token", timeout=5)
            with api, pytest.raises(ServerUnavailable) as raised:
                api.health()
            assert "CERTIFICATE_VERIFY_FAILED" in repr(raised.value.__cause__)
    finally:
        server.shutdown()
        server.server_close()

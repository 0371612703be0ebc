"""Server memory for pulls of large changes: a real ``chartside-server serve`` on 127.0.0.1.

150 changes of 1 MiB ciphertext each are pushed (3 per batch: the body limit is 5 MiB); a
second device then pulls them with ``limit=1000``. Pages stop at ``MAX_PULL_BYTES`` (4 MiB),
so the server never builds one 200 MiB answer (issue 22 measured 1,037 MiB before the cap).
Reported: the serve process's peak resident memory (``VmHWM``) after the pushes and after the
pull, the pages and the largest page; the baseline is the same process before the pull.
Linux only (``/proc``). ``python -m bench pull_memory``.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench._harness import report
from bench.bench_server import REPO, Practice
from server import migrate
from server.db import make_engine
from server.pgtemp import free_port
from syncwire import MAX_PULL_BYTES

CHANGES = 150
SIZE = 1024 * 1024 - 64  # ciphertext bytes (the protocol's ceiling is 1 MiB)


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _change() -> dict[str, Any]:
    return {
        "change_id": str(uuid.uuid4()),
        "record_id": str(uuid.uuid4()),
        "entity": "recording",
        "version_id": str(uuid.uuid4()),
        "parent_ids": [],
        "kind": "create",
        "ciphertext": base64.b64encode(os.urandom(SIZE)).decode(),
        "nonce": base64.b64encode(os.urandom(24)).decode(),
        "key_id": "bench",
    }


def main() -> None:
    if not Path("/proc/self/status").exists():
        print("bench pull_memory: needs Linux /proc; skipped")
        return
    with tempfile.TemporaryDirectory(prefix="bench-pullmem-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'server.sqlite3'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        port = free_port()
        command = [sys.executable, "-m", "server.cli", "serve", "--db", url, "--port", str(port)]
        command += ["--log-level", "warning", "--rate-limit", "1e9", "--rate-burst", "1000000000"]
        process = subprocess.Popen(command, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    httpx.get(f"{base}/v1/health", timeout=1).raise_for_status()
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            practice = Practice(url, base, 2)
            writer, reader = practice.devices
            for _ in range(CHANGES // 3):
                writer.push([_change() for _ in range(3)])
            before = _peak_rss(process.pid)
            pages, largest, pulled = 0, 0, 0
            t0 = time.perf_counter()
            while True:
                response = reader.http.get(
                    "/v1/sync/pull", params={"after": reader.cursor, "limit": 1000}
                )
                response.raise_for_status()
                largest = max(largest, len(response.content))
                body = response.json()
                pages += 1
                pulled += len(body["changes"])
                reader.cursor = body["next_after"]
                if not body["has_more"]:
                    break
            seconds = time.perf_counter() - t0
            after = _peak_rss(process.pid)
            for device in practice.devices:
                device.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
    mib = 2**20
    rows = [
        (f"pull {pulled} changes of 1 MiB with limit=1000", f"{pages} pages in {seconds:.1f} s"),
        ("largest page on the wire (cap: 4 MiB of ciphertext, base64)", f"{largest / mib:.1f} MiB"),
        ("server peak RSS before the pull (baseline, same process)", f"{before / mib:.0f} MiB"),
        ("server peak RSS after the pull", f"{after / mib:.0f} MiB (x{after / before:.2f})"),
    ]
    report(
        "pull_memory",
        rows,
        raw={
            "pages": pages,
            "largest_page_bytes": largest,
            "rss_before": before,
            "rss_after": after,
            "max_pull_bytes": MAX_PULL_BYTES,
        },
    )


if __name__ == "__main__":
    main()

"""A throwaway PostgreSQL cluster in a temporary directory, for tests and benchmarks only.

``TempCluster.start()`` runs ``initdb`` and ``pg_ctl`` from Debian's
``/usr/lib/postgresql/<version>/bin`` (or ``$CHARTSIDE_PG_BIN``), listening on 127.0.0.1 at
a free port with trust authentication, and ``stop()`` shuts it down and deletes the
directory. PostgreSQL refuses to run as root, so as root the binaries run as the ``postgres``
user (``runuser``) and the directory is handed to that user. ``find_pg_bin()`` returns the
reason PostgreSQL is unavailable, so tests can skip with it. Never used by the serving path.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN_ENV = "CHARTSIDE_PG_BIN"


def find_pg_bin() -> tuple[Path | None, str]:
    """(directory holding initdb and pg_ctl, "") or (None, why not)."""
    env = os.environ.get(PG_BIN_ENV)
    candidates = [Path(env)] if env else []

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.name)) or (0,)

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            if os.geteuid() == 0:
                try:
                    pwd.getpwnam("postgres")
                except KeyError:
                    return None, "running as root and there is no 'postgres' user to run as"
                if shutil.which("runuser") is None:
                    return None, "running as root and runuser is missing"
            return directory, ""
    return None, (
        "no PostgreSQL server binaries (apt-get install postgresql, or set "
        f"{PG_BIN_ENV} to the directory holding initdb and pg_ctl)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TempCluster:
    """One private PostgreSQL server; use as a context manager or call start()/stop()."""

    def __init__(self, *, durable: bool = False, max_connections: int = 200) -> None:
        self.durable = durable
        self.max_connections = max_connections
        self.port = 0
        self.root: Path | None = None
        self._bin: Path | None = None

    def __enter__(self) -> TempCluster:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _run(self, *args: str) -> None:
        assert self._bin is not None and self.root is not None
        cmd = [str(self._bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(
            cmd, cwd=self.root, capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}\n{tail}"
            )

    def start(self) -> None:
        self._bin, reason = find_pg_bin()
        if self._bin is None:
            raise RuntimeError(reason)
        # As root, the postgres user must be able to reach the directory: /tmp always is,
        # a private $TMPDIR may not be.
        parent = "/tmp" if os.geteuid() == 0 and Path("/tmp").is_dir() else None
        self.root = Path(tempfile.mkdtemp(prefix="chartside-pg-", dir=parent))
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        data = self.root / "data"
        self._run(
            "initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C", *([] if self.durable else ["--no-sync"]),
        )  # fmt: skip
        self.port = free_port()
        options = [
            f"-p {self.port}",
            f"-k {self.root}",
            "-c listen_addresses=127.0.0.1",
            f"-c max_connections={self.max_connections}",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
            "-o", " ".join(options), "start",
        )  # fmt: skip

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def url(self, dbname: str = "postgres", *, user: str = "postgres") -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{dbname}"

    def execute(self, sql: str, *, dbname: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE DATABASE, CREATE ROLE, ...)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create database ``name`` (optionally copied from ``template``); returns its URL."""
        suffix = f' TEMPLATE "{template}"' if template else ""
        self.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

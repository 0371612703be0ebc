"""``chartside-server``: serve the sync API, migrate its database, administer accounts.

Commands (each takes ``--db URL``; default ``$CHARTSIDE_SERVER_DB`` or an SQLite file in the
user's data directory):

  serve [--host 127.0.0.1] [--port 8765]   run the API with uvicorn (TLS: reverse proxy)
  migrate [--app-role ROLE]                upgrade the schema; on PostgreSQL optionally grant
                                           ROLE the app rights (no UPDATE/DELETE on the log)
  create-account NAME                      a practice account
  enroll-code ACCOUNT [--ttl-minutes 15]   print a one-time device enrollment code
  list-devices ACCOUNT                     devices of an account, with their ids
  revoke-device DEVICE_ID                  refuse that device's token from now on
  backup FILE                              a consistent, verified copy (SQLite online backup;
                                           pg_dump --format=custom), safe while serving
  restore FILE [--keep-copy-dir DIR]       replace the database with a backup (the current
                                           one is backed up first) and give every log a new
                                           epoch, so devices re-push what the backup lacks
  new-epoch [--reason R]                   a new epoch for every log (after a restore made
                                           by other means, e.g. point-in-time recovery)

Exit status: 0 success, 1 an expected failure (message on stderr), 2 usage error.
An SQLite database is created and migrated on first use; a PostgreSQL one must be migrated
explicitly (``migrate``) so the serving role never needs DDL rights.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from server import accounts, backup, migrate
from server.config import Settings, default_database_url, is_sqlite, sqlite_path
from server.db import make_engine
from server.errors import ApiError


class CliError(Exception):
    """An expected failure; its message goes to stderr and the exit status is 1."""


def open_engine(url: str, *, create: bool = True) -> Engine:
    """Engine for ``url``; SQLite files are created and migrated, PostgreSQL must be current."""
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            if not create and not path.exists():
                raise CliError(f"no server database at {path}")
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(url)
        migrate.upgrade(engine)
        return engine
    engine = make_engine(url)
    if not migrate.is_current(engine):
        engine.dispose()
        raise CliError("the database schema is not current: run `chartside-server migrate` first")
    return engine


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    from server.app import create_app

    settings = Settings(
        database_url=args.db,
        rate_per_second=args.rate_limit,
        rate_burst=args.rate_burst,
    )
    engine = open_engine(args.db)
    try:
        app = create_app(settings, engine)
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            proxy_headers=True,
            forwarded_allow_ips=args.forwarded_allow_ips,
            server_header=False,
        )
    finally:
        engine.dispose()


def _migrate(args: argparse.Namespace) -> None:
    if is_sqlite(args.db) and (path := sqlite_path(args.db)) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(args.db)
    try:
        migrate.upgrade(engine)
        print(f"schema at revision {migrate.current_revision(engine)}")
        if args.app_role:
            try:
                migrate.grant_app_role(engine, args.app_role)
            except ValueError as exc:
                raise CliError(str(exc)) from exc
            print(f"granted app rights to role {args.app_role} (no UPDATE/DELETE on the log)")
    finally:
        engine.dispose()


def _with_engine(
    args: argparse.Namespace, fn: Callable[[Engine, argparse.Namespace], None]
) -> None:
    engine = open_engine(args.db, create=args.command == "create-account")
    try:
        fn(engine, args)
    finally:
        engine.dispose()


def _create_account(engine: Engine, args: argparse.Namespace) -> None:
    try:
        row = accounts.create_account(engine, args.name)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    print(f"account {row.account_id}  {row.name}")


def _find_account(engine: Engine, name: str) -> accounts.AccountRow:
    try:
        return accounts.find_account(engine, name)
    except LookupError as exc:
        raise CliError(str(exc)) from exc


def _enroll_code(engine: Engine, args: argparse.Namespace) -> None:
    row = _find_account(engine, args.account)
    code, expires = accounts.create_enroll_code(
        engine, row.account_id, timedelta(minutes=args.ttl_minutes)
    )
    print(f"enrollment code for {row.name}: {code}")
    print(f"single use; expires {expires.isoformat(timespec='seconds')} ({args.ttl_minutes} min)")


def _list_devices(engine: Engine, args: argparse.Namespace) -> None:
    row = _find_account(engine, args.account)
    for info in accounts.list_devices(engine, row.account_id):
        state = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "active"
        print(f"{info.device_id}  {state:<24}  {info.name}")


def _revoke_device(engine: Engine, args: argparse.Namespace) -> None:
    try:
        device_id = uuid.UUID(args.device_id)
    except ValueError as exc:
        raise CliError(f"{args.device_id!r} is not a device id") from exc
    try:
        info = accounts.revoke_device(engine, device_id)
    except ApiError as exc:
        raise CliError(exc.message) from exc
    print(f"revoked device {info.device_id} ({info.name})")


def _backup(args: argparse.Namespace) -> None:
    if is_sqlite(args.db):
        open_engine(args.db, create=False).dispose()  # a missing file is an error, not created
    try:
        info = backup.backup(args.db, Path(args.file))
    except backup.BackupError as exc:
        raise CliError(str(exc)) from exc
    print(
        f"backup written to {info.path} ({info.size:,} bytes; "
        f"{info.accounts} account(s), {info.changes:,} change(s)); verified"
    )


def _restore(args: argparse.Namespace) -> None:
    keep = Path(args.keep_copy_dir) if args.keep_copy_dir else Path(args.file).resolve().parent
    try:
        info = backup.restore(args.db, Path(args.file), keep)
    except backup.BackupError as exc:
        raise CliError(str(exc)) from exc
    print(f"the database before this restore was kept at {info.kept_copy}")
    print(
        f"restored {info.accounts} account(s), {info.changes:,} change(s) from "
        f"{info.restored_from}; every log has a new epoch: devices re-send what it lacks "
        "on their next sync"
    )


def _new_epoch(engine: Engine, args: argparse.Namespace) -> None:
    count = backup.new_epochs(engine, args.reason)
    print(f"new epoch for {count} account log(s); devices re-check their logs on next sync")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chartside-server", description="Chartside sync server (ciphertext-only store)."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=default_database_url(),
        help="SQLAlchemy URL: sqlite:///PATH or postgresql+psycopg://USER@HOST/DB "
        "(default: %(default)s)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", parents=[common], help="run the API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default %(default)s)")
    serve.add_argument("--port", type=int, default=8765, help="port (default %(default)s)")
    serve.add_argument("--rate-limit", type=float, default=20.0, help="requests/s per device")
    serve.add_argument("--rate-burst", type=int, default=60, help="burst per device")
    serve.add_argument("--log-level", default="info", choices=["warning", "info", "debug"])
    serve.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="proxies trusted for X-Forwarded-For (default %(default)s)",
    )
    serve.set_defaults(run=_serve)

    mig = sub.add_parser("migrate", parents=[common], help="upgrade the database schema")
    mig.add_argument("--app-role", help="PostgreSQL role to grant the server's rights to")
    mig.set_defaults(run=_migrate)

    create = sub.add_parser("create-account", parents=[common], help="create a practice account")
    create.add_argument("name")
    create.set_defaults(run=lambda a: _with_engine(a, _create_account))

    code = sub.add_parser("enroll-code", parents=[common], help="print a one-time enroll code")
    code.add_argument("account", help="account name or id")
    code.add_argument("--ttl-minutes", type=int, default=15, help="validity (default 15)")
    code.set_defaults(run=lambda a: _with_engine(a, _enroll_code))

    devices = sub.add_parser("list-devices", parents=[common], help="list an account's devices")
    devices.add_argument("account", help="account name or id")
    devices.set_defaults(run=lambda a: _with_engine(a, _list_devices))

    revoke = sub.add_parser("revoke-device", parents=[common], help="revoke a device's token")
    revoke.add_argument("device_id")
    revoke.set_defaults(run=lambda a: _with_engine(a, _revoke_device))

    bak = sub.add_parser("backup", parents=[common], help="write a verified backup file")
    bak.add_argument("file", help="new file to write (never overwritten)")
    bak.set_defaults(run=_backup)

    res = sub.add_parser("restore", parents=[common], help="restore a backup (new log epochs)")
    res.add_argument("file", help="a file written by `chartside-server backup`")
    res.add_argument(
        "--keep-copy-dir", help="where the pre-restore copy goes (default: beside FILE)"
    )
    res.set_defaults(run=_restore)

    epoch = sub.add_parser("new-epoch", parents=[common], help="give every log a new epoch")
    epoch.add_argument("--reason", default="operator", choices=["operator", "migration"])
    epoch.set_defaults(run=lambda a: _with_engine(a, _new_epoch))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "ttl_minutes", 1) < 1:
        print("chartside-server: --ttl-minutes must be at least 1", file=sys.stderr)
        return 2
    try:
        args.run(args)
    except CliError as exc:
        print(f"chartside-server: {exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unknown error"
        print(f"chartside-server: database error: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

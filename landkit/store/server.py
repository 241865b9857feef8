"""A throwaway PostgreSQL/PostGIS server for tests, benchmarks and trying the PostGIS backend locally.

:class:`LocalPostgres` runs Debian's PostgreSQL binaries (``postgresql`` and
``postgresql-NN-postgis-3``; ``make test`` installs them) on 127.0.0.1 with a data directory of its
own, a free port and a random password, creates one database with PostGIS, and removes everything
when stopped. Nothing listens beyond the loopback interface.

The password is never put in a URL: the server hands it over the way landkit expects credentials,
as ``PGPASSWORD`` in :meth:`LocalPostgres.environ` (or a ``.pgpass`` file, see :meth:`write_pgpass`).

Examples
--------
>>> with LocalPostgres() as pg:                              # doctest: +SKIP
...     os.environ.update(pg.environ())
...     store = landkit.store.open_store(pg.url)
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from landkit._errors import StoreError

INSTALL_HINT = ("install the Debian packages postgresql and postgresql-NN-postgis-3 (`make test` does it through "
                "scripts/setup_system.sh), or set LANDKIT_TEST_PG_URL to a server of your own")


def postgres_bindir() -> Path | None:
    """Directory of ``initdb``/``pg_ctl`` (the newest Debian PostgreSQL), or None when not installed."""
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        versions = sorted((p for p in root.iterdir() if (p / "bin" / "initdb").exists()),
                          key=lambda p: [int(x) for x in p.name.split(".") if x.isdigit()])
        if versions:
            return versions[-1] / "bin"
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalPostgres:
    """Start a private PostgreSQL server with PostGIS; stop and delete it on exit.

    Parameters
    ----------
    database : str
        Name of the database created (with the ``postgis`` extension).
    user : str
        Superuser role of the new cluster.

    Attributes
    ----------
    url : str
        ``postgresql://user@127.0.0.1:port/database`` — no password in it.
    password : str
        Random; pass it through :meth:`environ` or :meth:`write_pgpass`.
    """

    def __init__(self, *, database: str = "landkit", user: str = "landkit") -> None:
        self.database = database
        self.user = user
        self.password = secrets.token_urlsafe(18)
        self.port = 0
        self.root: Path | None = None
        self._bindir: Path | None = None
        self._as: list[str] = []

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def environ(self) -> dict[str, str]:
        """Environment variables that give libpq the password (``PGPASSWORD``)."""
        return {"PGPASSWORD": self.password}

    def write_pgpass(self, path: str | os.PathLike[str]) -> Path:
        """Write a ``.pgpass`` line for this server (mode 0600); point ``PGPASSFILE`` at it."""
        path = Path(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # never readable by others, not even briefly
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"127.0.0.1:{self.port}:{self.database}:{self.user}:{self.password}\n")
        return path

    def _run(self, *args: str) -> None:
        cmd = [*self._as, *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            log = ""
            if self.root is not None and (self.root / "server.log").exists():
                log = (self.root / "server.log").read_text(errors="replace")[-2000:]
            raise StoreError(f"{' '.join(args[:2])} failed ({proc.returncode}): {proc.stderr.strip()}\n{log}")

    def start(self) -> LocalPostgres:
        """initdb, start on a free loopback port, create the database and PostGIS."""
        bindir = postgres_bindir()
        if bindir is None:
            raise StoreError(f"PostgreSQL server binaries (initdb, pg_ctl) not found: {INSTALL_HINT}")
        self._bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="landkit-pg-"))
        data = self.root / "data"
        pwfile = self.root / "pw"
        try:
            self._initialise(bindir, data, pwfile)
        except BaseException:
            self.stop()  # nothing left running or on disk
            raise
        return self

    def _initialise(self, bindir: Path, data: Path, pwfile: Path) -> None:
        assert self.root is not None
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(self.password + "\n")
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the postgres account
            try:
                account = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise StoreError(f"running as root and there is no 'postgres' account: {INSTALL_HINT}") from exc
            os.chown(self.root, account.pw_uid, account.pw_gid)
            os.chown(pwfile, account.pw_uid, account.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run(str(bindir / "initdb"), "-D", str(data), "-U", self.user, "--auth=scram-sha-256",
                  f"--pwfile={pwfile}", "-E", "UTF8", "--no-locale")
        pwfile.unlink()
        self.port = _free_port()
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.root / "server.log"),
                  "-w", "-t", "60", "start")
        self._create_database()

    def _create_database(self) -> None:
        import psycopg  # noqa: PLC0415  measured 70 ms: loaded for a local PostgreSQL only

        admin = f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres"
        with psycopg.connect(admin, password=self.password, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        with psycopg.connect(admin.replace("dbname=postgres", f"dbname={self.database}"), password=self.password,
                             autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its data directory."""
        if self.root is None:
            return
        try:
            if self._bindir is not None and (self.root / "data" / "postmaster.pid").exists():
                self._run(str(self._bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


__all__ = ["INSTALL_HINT", "LocalPostgres", "postgres_bindir"]

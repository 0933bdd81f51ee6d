"""A PostgreSQL server for the tests: `OUDERLIJN_TEST_POSTGRES_URL`, or a throwaway cluster
started from the machine's PostgreSQL binaries, with one fresh database per test."""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from itertools import count
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import TupleRow

URL_ENV = "OUDERLIJN_TEST_POSTGRES_URL"
REQUIRE_ENV = "OUDERLIJN_REQUIRE_POSTGRES"
# Speed over durability: the cluster lives for one test session.
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "400",
    "deadlock_timeout": "100ms",  # tests that provoke a deadlock see it resolved sooner
}


def find_bin_dir() -> Path | None:
    """The bin folder of the newest installed PostgreSQL (Debian's layout), or None."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None
    return Path(max(found, key=lambda p: int(Path(p).parts[-3]))).parent


def _memory_folder() -> str | None:
    """/dev/shm when it is a roomy tmpfs (creating a database makes ~300 files: ten times
    faster in memory than on this machine's disk), else the usual temporary folder."""
    try:
        room = shutil.disk_usage("/dev/shm").free
    except OSError:
        return None
    return "/dev/shm" if room > 2 * 1024**3 and os.access("/dev/shm", os.W_OK) else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A throwaway cluster in a temporary folder: initdb, start on a free port, stop, remove.
    As root, the folder belongs to `postgres` and the commands run through `runuser`."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="ouderlijn-pg-", dir=_memory_folder()))
        self.data = self.root / "data"
        self.as_root = os.geteuid() == 0
        self.port = 0
        self._started = False
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        atexit.register(self.stop)  # a backstop when a session fixture's teardown never ran

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}".strip())

    def start(self) -> str:
        """initdb and start; return the base URL (database `postgres`, user `postgres`)."""
        self._run("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres",
                  "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
        for attempt in range(3):  # a free port may be taken before the server binds it
            self.port = _free_port()
            options = " ".join(f"-c {key}={value}" for key, value in SETTINGS.items())
            options += f" -p {self.port} -c unix_socket_directories={self.root}"
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"),
                          "-w", "-t", "60", "-o", options, "start")  # fmt: skip
                self._started = True
                return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
            except RuntimeError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        """Stop the server (immediate: the data goes anyway) and remove the folder."""
        if self._started:
            self._started = False
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _connect(url: str) -> psycopg.Connection[TupleRow]:
    return psycopg.connect(url, autocommit=True, connect_timeout=10)


class TestServer:
    """One server for a test session: a template database migrated once, then a copy of it
    per test (CREATE DATABASE ... TEMPLATE), dropped with FORCE after the test."""

    __test__ = False  # not a pytest class
    started_in_s = 0.0  # how long our own cluster took to start (initdb + pg_ctl start)

    def __init__(self, url: str, stop: Callable[[], None] = lambda: None) -> None:
        self.url = url
        self._stop = stop
        self._admin = _connect(url)
        self._names = count(1)
        self._tag = os.getpid()  # two sessions may share one external server
        self.template = f"ouderlijn_template_{self._tag}"
        self._template_ready = False

    def database_url(self, name: str) -> str:
        """The postgresql:// URL of database `name` on this server (what OUDERLIJN_DATABASE_URL
        and AsyncStore.open take)."""
        parts = conninfo_to_dict(make_conninfo(self.url, dbname=name))
        user = quote(str(parts.get("user") or "postgres"), safe="")
        password = parts.get("password")
        auth = f"{user}:{quote(str(password), safe='')}" if password else user
        host, port = parts.get("host") or "127.0.0.1", parts.get("port") or 5432
        return f"postgresql://{auth}@{host}:{port}/{quote(name, safe='')}"

    def _drop(self, name: str) -> None:
        self._admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def _make_template(self) -> None:
        from bot.storage.postgres.schema import migrate

        self._drop(self.template)
        self._admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.template)))
        with _connect(self.database_url(self.template)) as conn:
            migrate(conn)
        self._template_ready = True

    def create_database(self, *, migrated: bool = True) -> str:
        """A fresh database: migrated (a copy of the template) or empty; return its name."""
        if migrated and not self._template_ready:
            self._make_template()
        name = f"t_{self._tag}_{next(self._names)}"
        statement = "CREATE DATABASE {} TEMPLATE {}"
        source = self.template if migrated else "template0"
        self._admin.execute(sql.SQL(statement).format(sql.Identifier(name), sql.Identifier(source)))
        return name

    def drop_database(self, name: str) -> None:
        """Drop a test's database, ending any connection the test left open."""
        # A closed connection's server process exits a moment later; DROP would find it still
        # there and sleep 100 ms before looking again, so end them here and wait a little.
        self._admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        deadline = time.monotonic() + 1
        while (
            time.monotonic() < deadline
            and self._admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = %s", (name,)
            ).fetchone()
        ):
            time.sleep(0.002)
        self._drop(name)

    def close(self) -> None:
        """Drop the template, close the admin connection and stop our own cluster."""
        with contextlib.suppress(psycopg.Error):
            if self._template_ready:
                self._drop(self.template)
            self._admin.close()
        self._stop()


def open_test_server() -> tuple[TestServer | None, str]:
    """The session's server and '' or None and why there is none."""
    url = os.environ.get(URL_ENV)
    if url:
        try:
            return TestServer(url), ""
        except psycopg.Error as exc:
            return None, f"{URL_ENV} is set but the server cannot be reached: {exc}"
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return None, (
            f"no PostgreSQL: set {URL_ENV} or install Debian's postgresql package "
            "(/usr/lib/postgresql/*/bin/initdb)"
        )
    cluster = Cluster(bin_dir)
    try:
        started = time.perf_counter()
        base = cluster.start()
        server = TestServer(base, cluster.stop)
        server.started_in_s = time.perf_counter() - started
        return server, ""
    except (RuntimeError, OSError, subprocess.SubprocessError, psycopg.Error) as exc:
        cluster.stop()
        return None, f"could not start a throwaway PostgreSQL cluster: {exc}"


def usable(server: TestServer | None, reason: str) -> TestServer:
    """The server, or skip the test (fail it under OUDERLIJN_REQUIRE_POSTGRES=1)."""
    if server is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
        pytest.skip(reason)
    return server

"""A throwaway PostgreSQL server for the tests.

:func:`server` runs ``initdb`` into a fresh temporary folder, starts the
server with ``pg_ctl`` on a free port of the loopback interface only (its
unix socket in that same folder), yields a :class:`Server` that creates
databases and gives their URLs (``postgresql://nbgrader@127.0.0.1:PORT/NAME``),
and at the end stops it (``pg_ctl stop -m immediate``) and removes the folder,
whether the tests passed or not. Nothing outside the folder is touched: no
system cluster, no ``/var/run/postgresql``, no password (trust
authentication, loopback only).

``initdb`` refuses to run as root. Under root (CI, containers) every server
command runs as the ``postgres`` system user (Debian's ``postgresql``
package creates it) through ``runuser``, in a folder that user owns.

The binaries are taken from PATH, else from Debian's
``/usr/lib/postgresql/<version>/bin``. When there are none, :func:`require`
fails the test under CI (``CI=true``: ``.ci/run`` installs them) and skips
it elsewhere, with the reason.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["binaries", "require", "server", "Server"]

SUPERUSER = "nbgrader"  # the database role the URLs name (trust authentication, loopback only)
SYSTEM_USER = "postgres"  # who runs the server when the tests run as root
START_TIMEOUT = 60  # seconds pg_ctl waits for the server to accept connections


def _version(path):
    """(major, minor…) of a /usr/lib/postgresql/<version>/bin folder, for sorting."""
    name = Path(path).parent.name
    return tuple(int(p) for p in name.split(".") if p.isdigit())


def binaries():
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``, or None.

    PATH first (``initdb`` and ``pg_ctl`` side by side), then the newest
    Debian ``/usr/lib/postgresql/*/bin``.
    """
    found = shutil.which("initdb")
    if found:
        folder = Path(os.path.realpath(found)).parent
        if all((folder / name).is_file() for name in ("pg_ctl", "postgres")):
            return folder
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True):
        folder = Path(folder)
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def require():
    """The binaries' folder; without one, fail under CI and skip elsewhere (loudly)."""
    import pytest

    folder = binaries()
    if folder is not None:
        return folder
    reason = (
        "PostgreSQL server binaries not found (initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin): "
        "install Debian's `postgresql` package (apt-get install postgresql) to run the PostgreSQL gradebook tests"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason + " — CI must have them (.ci/run installs them)", pytrace=False)
    pytest.skip(reason)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running throwaway server: its port, folder, and the databases made on it."""

    port: int
    folder: Path
    log: Path
    databases: list = field(default_factory=list)

    def url(self, database):
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def connect(self, database="postgres"):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=database, connect_timeout=10)

    def create_database(self, name):
        """Create an empty database ``name`` (UTF-8) and return its URL."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"database name {name!r}: letters, digits and _ only")
        conn = self.connect()
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
        finally:
            conn.close()
        self.databases.append(name)
        return self.url(name)

    def log_text(self):
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return f"(no server log: {exc})"


def _runner():
    """(command prefix, uid, gid) that runs the server commands: as ``postgres`` under root."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        user = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise RuntimeError(
            f"running as root and there is no `{SYSTEM_USER}` system user to run PostgreSQL as "
            "(initdb refuses root; Debian's `postgresql` package creates that user)"
        ) from None
    runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if runuser:
        return [runuser, "-u", SYSTEM_USER, "--"], user.pw_uid, user.pw_gid
    setpriv = shutil.which("setpriv")
    if setpriv:
        return [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"], user.pw_uid, user.pw_gid
    raise RuntimeError("running as root without runuser or setpriv: cannot start PostgreSQL as the postgres user")


def _run(prefix, args, folder, timeout=120):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C", "HOME": str(folder), "TZ": "UTC"}
    proc = subprocess.run(
        [*prefix, *map(str, args)], cwd=folder, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
    )
    return proc.returncode, proc.stdout


@contextlib.contextmanager
def server(bin_dir=None, attempts=3):
    """Start a throwaway server; yield its :class:`Server`; stop it and remove its folder."""
    bin_dir = Path(bin_dir or binaries() or "")
    if not (bin_dir / "initdb").is_file():
        raise RuntimeError("no PostgreSQL binaries: call postgres.require() first")
    prefix, uid, gid = _runner()
    folder = Path(tempfile.mkdtemp(prefix="rn-pg-"))
    started = None
    try:
        if uid is not None:
            os.chown(folder, uid, gid)
        os.chmod(folder, 0o700)
        data, log = folder / "data", folder / "server.log"
        code, out = _run(prefix, [bin_dir / "initdb", "-D", data, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                                  "--locale=C", "--no-sync"], folder)
        if code != 0:
            raise RuntimeError(f"initdb failed (exit {code}):\n{out[-3000:]}")
        # Loopback and a socket in the folder only; no durability needed for a throwaway server.
        settings = {
            "listen_addresses": "127.0.0.1", "unix_socket_directories": str(folder), "fsync": "off",
            "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "50",
        }
        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("".join(f"{k} = '{v}'\n" for k, v in settings.items()))
        failures = []
        for _ in range(attempts):  # the free port can be taken between finding and binding it
            port = _free_port()
            code, out = _run(prefix, [bin_dir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", START_TIMEOUT,
                                      "-o", f"-p {port}", "start"], folder, timeout=START_TIMEOUT + 30)
            if code == 0:
                started = Server(port=port, folder=folder, log=log)
                break
            failures.append(f"port {port}: exit {code}\n{out[-1500:]}\n{_tail(log)}")
            time.sleep(0.5)
        if started is None:
            raise RuntimeError("pg_ctl start failed:\n" + "\n".join(failures))
        yield started
    finally:
        try:
            if started is not None or (folder / "data" / "postmaster.pid").exists():
                _run(prefix, [bin_dir / "pg_ctl", "-D", folder / "data", "-m", "immediate", "-w", "-t", "30", "stop"], folder, timeout=60)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _tail(path, n=3000):
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")[-n:]
    except OSError:
        return ""


if __name__ == "__main__":  # a smoke run: python tests/postgres.py
    with server() as s:
        url = s.create_database("smoke")
        with s.connect("smoke") as conn, conn.cursor() as cur:
            cur.execute("SELECT version()")
            print(url, cur.fetchone()[0])

"""The embedded default database: a private PostgreSQL + PostGIS cluster in a data folder.

PostgreSQL refuses to run as root, so when Relais runs as root (as CI does) the cluster is
initialised and run by the unprivileged ``postgres`` system user through ``runuser``; the
clients stay root and connect over a unix socket inside the data folder. By default the cluster
listens on no TCP port at all, so it can never collide with another server; a TCP port on
127.0.0.1 is opt-in (``RELAIS_EMBEDDED_PG_PORT``).
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

log = logging.getLogger("relais.pgcluster")
DB_NAME = "relais"
# Prints the first folder the cluster's owner cannot enter (as that user; ACLs count too).
FIRST_CLOSED_FOLDER = 'for d do [ -x "$d" ] || { printf %s "$d"; exit 1; }; done'
SOCKET_PATH_LIMIT = 100  # unix socket paths are limited to ~107 bytes; keep a margin
RUN_AS_WHEN_ROOT = "postgres"

# Speed settings for throwaway test clusters only: never for the data a service keeps.
THROWAWAY_OPTIONS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class ClusterError(RuntimeError):
    """The embedded cluster cannot be set up or started; the message is one clear sentence."""


def find_pg_bindir() -> Path:
    """The newest installed PostgreSQL server binaries folder."""
    def major(path: str) -> int:
        name = Path(path).parent.parent.name
        return int(name) if name.isdigit() else 0

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=major)
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise ClusterError(
        "PostgreSQL server is not installed: run `apt-get install postgresql "
        "postgresql-15-postgis-3` (or set DATABASE_URL to use an existing server)."
    )


def _server_version(bindir: Path) -> str:
    out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True)
    # "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)" -> "15"
    words = out.stdout.split()
    return words[2].split(".")[0] if len(words) > 2 else "?"


def check_postgis(bindir: Path) -> None:
    """Fail with an install hint if PostGIS is missing for this server version."""
    version = _server_version(bindir)
    share = Path(f"/usr/share/postgresql/{version}/extension")
    pg_config = bindir / "pg_config"
    if pg_config.exists():
        out = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            share = Path(out.stdout.strip()) / "extension"
    if not (share / "postgis.control").exists():
        raise ClusterError(
            f"PostGIS is not installed for PostgreSQL {version}: "
            f"run `apt-get install postgresql-{version}-postgis-3`."
        )


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"user id {uid}"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@dataclass
class EmbeddedPostgres:
    """A private PostgreSQL cluster living in ``data_dir``; start, stop and connect to it."""

    data_dir: Path
    tcp_port: int = 0
    throwaway: bool = False
    started_by_us: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).absolute()
        self.bindir = find_pg_bindir()
        self.run_as = RUN_AS_WHEN_ROOT if os.geteuid() == 0 else None

    # -- paths and URL -------------------------------------------------------------------------
    @property
    def socket_dir(self) -> Path:
        """Where the server puts its socket: in the data folder when the path is short enough."""
        if len(str(self.data_dir)) + 20 < SOCKET_PATH_LIMIT:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"relais-pg-{digest}"

    @property
    def port(self) -> int:
        """The port number (it also names the unix socket file)."""
        return self.tcp_port or 5432

    def url(self, database: str = DB_NAME) -> str:
        """SQLAlchemy URL for a database of this cluster, over the unix socket."""
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def _conninfo(self, database: str) -> str:
        return f"host={self.socket_dir} port={self.port} user=postgres dbname={database}"

    # -- running commands as the cluster's owner -----------------------------------------------
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, start_new_session=True, cwd="/"
        )
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise ClusterError(
                f"{args[0]} failed for {self.data_dir}: {detail[-1] if detail else 'no output'}"
            )
        return result

    def _owner_uid(self) -> int:
        if self.run_as:
            try:
                return pwd.getpwnam(self.run_as).pw_uid
            except KeyError:
                raise ClusterError(
                    f"Running as root needs the system user {self.run_as!r} to run PostgreSQL: "
                    "install the postgresql package, which creates it."
                ) from None
        return os.geteuid()

    # -- lifecycle -----------------------------------------------------------------------------
    def is_initialised(self) -> bool:
        """Whether the data folder holds a cluster."""
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        """Whether a server is running on this data folder."""
        if not self.is_initialised():
            return False
        return self._run("pg_ctl", "status", "-D", str(self.data_dir), check=False).returncode == 0

    def _first_closed_folder(self) -> Path | None:
        """The outermost folder above the data folder that the run-as user cannot enter."""
        if not self.run_as:
            return None
        above = [str(folder) for folder in reversed(self.data_dir.parents)]
        result = subprocess.run(
            ["runuser", "-u", self.run_as, "--", "sh", "-c", FIRST_CLOSED_FOLDER, "sh", *above],
            capture_output=True, text=True, cwd="/")
        return Path(result.stdout) if result.returncode != 0 and result.stdout else None

    def _check_reachable(self) -> None:
        """Let the run-as user enter the folder holding the cluster, or say what to change.

        Running as root, PostgreSQL runs as ``postgres``, which must be able to enter every
        folder above the data folder. ``mktemp -d`` makes 0700 folders, so a data folder
        made that way is closed to it: Relais opens its own folder (``RELAIS_DATA_DIR``, the
        one holding ``postgres/``) for entering only (o+x, no listing), and names any folder
        further up that it will not change.
        """
        closed = self._first_closed_folder()
        own = self.data_dir.parent
        if closed == own and own.stat().st_uid == os.geteuid():
            own.chmod(own.stat().st_mode | stat.S_IXOTH)
            log.warning("Let %s enter %s (chmod o+x): PostgreSQL runs as that user.",
                        self.run_as, own)
            closed = self._first_closed_folder()
        if closed is not None:
            mode = stat.filemode(closed.stat().st_mode)
            raise ClusterError(
                f"PostgreSQL runs as the system user {self.run_as}, which cannot enter "
                f"{closed} ({mode}, owner {_user_name(closed.stat().st_uid)}): run "
                f"`chmod o+x {closed}` (entering only, no listing), or choose a "
                "RELAIS_DATA_DIR outside it.")

    def _check_ownership(self) -> None:
        owner_uid = self._owner_uid()
        if self.data_dir.exists():
            actual = self.data_dir.stat().st_uid
            if actual != owner_uid:
                owner, expected = _user_name(actual), _user_name(owner_uid)
                raise ClusterError(
                    f"The data folder {self.data_dir} belongs to {owner}, but Relais runs "
                    f"PostgreSQL as {expected}: choose another RELAIS_DATA_DIR or change its owner."
                )
            if any(self.data_dir.iterdir()) and not self.is_initialised():
                raise ClusterError(
                    f"The data folder {self.data_dir} is not empty and holds no PostgreSQL "
                    "cluster: choose another RELAIS_DATA_DIR."
                )

    def init(self) -> bool:
        """Create the cluster if the data folder has none; return whether one was created."""
        check_postgis(self.bindir)
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._check_reachable()
        self._check_ownership()
        if self.is_initialised():
            return False
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        os.chown(self.data_dir, self._owner_uid(), -1)
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions",
            *(["--no-sync"] if self.throwaway else []),  # a throwaway cluster needs no fsync
        )
        return True

    def start(self) -> None:
        """Start the server (initialising first if needed) and make sure the database exists."""
        self.init()
        if self.is_running():
            self._ensure_database()
            return
        if self.tcp_port and not port_is_free(self.tcp_port):
            raise ClusterError(
                f"Port {self.tcp_port} on 127.0.0.1 is already in use: choose another "
                "RELAIS_EMBEDDED_PG_PORT or 0 for a unix socket only."
            )
        sock = self.socket_dir
        if sock != self.data_dir:
            sock.mkdir(mode=0o755, exist_ok=True)
            os.chown(sock, self._owner_uid(), -1)
        listen = "127.0.0.1" if self.tcp_port else ""
        options = [f"-k {sock}", f"-p {self.port}", f"-c listen_addresses='{listen}'"]
        if self.throwaway:
            options += [f"-c {name}={value}" for name, value in THROWAWAY_OPTIONS.items()]
        self._run(
            "pg_ctl", "start", "-D", str(self.data_dir), "-w", "-t", "60",
            "-l", str(self.data_dir / "server.log"), "-o", " ".join(options),
        )
        self.started_by_us = True
        self._ensure_database()

    def _ensure_database(self) -> None:
        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,))
            if exists.fetchone() is None:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')

    def stop(self) -> None:
        """Stop the server quickly and cleanly (open sessions are rolled back)."""
        if self.is_running():
            self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60")
        self.started_by_us = False

    def destroy(self) -> None:
        """Stop the server and delete its data folder (throwaway clusters only)."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.started_by_us:
            self.stop()

"""Run chatdesk as real processes for integration tests.

- ``Database``: a fresh PostgreSQL database (``chatdesk_it_<random>``), dropped afterwards, with a
  small query helper so tests can assert rows without going through Django.
- ``environment()``: the environment a scaled-out deployment runs with (PostgreSQL, Redis, no
  embedded worker, the fast password hasher).
- ``manage()`` / ``shell()``: run a management command or a Django script and fail loudly.
- ``Processes``: start named processes (``daphne()``, ``uvicorn()``, ``worker()`` build the
  command lines), wait until they answer ``/healthz``, stop them, kill -9 them, copy their logs.

Every process started here is also registered for an ``atexit`` kill, so an interrupted run
does not leave servers behind; fixtures still stop them explicitly.
"""

import atexit
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The code the processes run: this checkout unless told otherwise (e.g. an exported commit).
APP_DIR = Path(os.environ.get("CHATDESK_IT_APP_DIR") or PROJECT_ROOT)
PYTHON = sys.executable
MANAGE = str(APP_DIR / "manage.py")
ARTIFACTS = PROJECT_ROOT / "artifacts"

PG_ADMIN_URL = os.environ.get("CHATDESK_IT_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_BASE_URL = os.environ.get("CHATDESK_IT_REDIS_URL", "redis://127.0.0.1:6379")

# /healthz checks the worker's heartbeat too; a server alone is ready when these two pass.
READY_PATH = "/healthz?checks=database,channel_layer"

_live = set()  # every ManagedProcess still running, for the atexit safety net


def free_port(host="127.0.0.1"):
    """A TCP port nobody listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _with_dbname(url, name):
    head, _, _ = url.rpartition("/")
    return f"{head}/{name}"


# --- PostgreSQL -------------------------------------------------------------------------------
class Database:
    """A throw-away PostgreSQL database.  ``Database.create()`` ... ``db.drop()``."""

    def __init__(self, name, admin_url=PG_ADMIN_URL):
        self.name = name
        self.admin_url = admin_url
        self.url = _with_dbname(admin_url, name)

    @classmethod
    def create(cls, prefix="chatdesk_it", admin_url=PG_ADMIN_URL):
        db = cls(f"{prefix}_{secrets.token_hex(4)}", admin_url)
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{db.name}"')
        return db

    def drop(self):
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def query(self, sql, params=()):
        """All rows of one statement, as dicts (its own short connection: no stale snapshots)."""
        with psycopg.connect(self.url, autocommit=True, connect_timeout=5, row_factory=dict_row) as conn:
            return conn.execute(sql, params).fetchall()

    def query_one(self, sql, params=()):
        rows = self.query(sql, params)
        assert len(rows) == 1, f"expected one row, got {len(rows)}: {sql} {params}"
        return rows[0]

    def scalar(self, sql, params=()):
        return next(iter(self.query_one(sql, params).values()))


def redis_url(db_number=None):
    """A Redis URL on a database number of its own (pick one at random unless told)."""
    if db_number is None:
        db_number = secrets.randbelow(15) + 1
    return f"{REDIS_BASE_URL}/{db_number}"


def environment(*, database_url, redis_url, **extra):
    """Environment of a scaled-out deployment; ``extra`` adds or overrides variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="chatdesk.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CHATDESK_EMBEDDED_WORKER="0",
        CHATDESK_FAST_HASHER="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(*args, env, timeout=120):
    """Run ``manage.py <args>``; return its output, raise with the output if it failed."""
    result = subprocess.run(
        [PYTHON, MANAGE, *args], cwd=APP_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def shell(script, *, env, timeout=120):
    """Run Python in the project's Django environment (``manage.py shell -c``)."""
    return manage("shell", "-c", script, env=env, timeout=timeout)


# --- command lines ------------------------------------------------------------------------------
def serve(port, host="127.0.0.1", *, server="uvicorn", options=()):
    """``manage.py serve`` with one ASGI server (uvicorn is the command's default)."""
    return [PYTHON, MANAGE, "serve", "--no-worker", "--server", server, "--host", host, "--port", str(port), *options]


def daphne(port, host="127.0.0.1"):
    return serve(port, host, server="daphne")


def serve_uvicorn(port, host="127.0.0.1"):
    return serve(port, host, server="uvicorn")


def uvicorn(port, host="127.0.0.1"):
    """Plain uvicorn on the ASGI application (its own defaults: permessage-deflate on)."""
    return [PYTHON, "-m", "uvicorn", "chatdesk.asgi:application", "--host", host, "--port", str(port), "--no-access-log"]


def worker(interval=None):
    return [PYTHON, MANAGE, "worker", *(["--interval", str(interval)] if interval else [])]


# --- processes ----------------------------------------------------------------------------------
class ManagedProcess:
    """One child process with its output in a log file.  ``port`` is set for servers."""

    def __init__(self, name, argv, *, env, log_path, port=None, host="127.0.0.1"):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = Path(log_path)
        self.port = port
        self.host = host
        self.proc = None
        self._log = None

    # addresses (servers only)
    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self):
        return f"ws://{self.host}:{self.port}"

    def start(self):
        self._log = open(self.log_path, "ab")
        self._log.write(f"=== {time.strftime('%H:%M:%S')} start: {' '.join(self.argv)}\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen(
            self.argv, cwd=APP_DIR, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        _live.add(self)
        return self

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=20, path=READY_PATH):
        """Until ``GET path`` answers 200 (servers) or, without a port, until the process has run
        for a moment without exiting (workers).  The default path is the readiness probe (database
        and channel layer), which a server started without any worker passes too."""
        deadline = time.monotonic() + timeout
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.monotonic() < deadline:
            if not self.alive:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            if self.port is None:
                time.sleep(0.3)
                if self.alive:
                    return self
                continue
            try:
                with opener.open(self.url + path, timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} not ready after {timeout} s:\n{self.log_text()[-3000:]}")

    def kill9(self):
        """SIGKILL, as a crash or the OOM killer would: no cleanup runs in the process."""
        if self.alive:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._closed()

    def stop(self, timeout=5):
        if self.alive:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._closed()

    def _closed(self):
        _live.discard(self)
        if self._log and not self._log.closed:
            self._log.write(f"=== {time.strftime('%H:%M:%S')} ended: {self.proc.returncode if self.proc else None}\n".encode())
            self._log.close()

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def __repr__(self):
        state = "alive" if self.alive else "stopped"
        return f"<{self.name} {state} port={self.port}>"


class Processes:
    """The processes of one test: start, look up by name, stop all, keep logs on failure."""

    def __init__(self, env, log_dir=None):
        self.env = env
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="chatdesk-it-logs-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.started = {}

    def start(self, name, argv, *, port=None, env=None, wait=True, timeout=20):
        process = ManagedProcess(
            name, argv, env={**self.env, **(env or {})}, log_path=self.log_dir / f"{name}.log", port=port
        ).start()
        self.started[name] = process
        if wait:
            process.wait_ready(timeout=timeout)
        return process

    def start_daphne(self, name, **kwargs):
        port = free_port()
        return self.start(name, daphne(port), port=port, **kwargs)

    def start_servers(self, *names, argv=daphne, timeout=20):
        """Start several servers at once and wait for all of them."""
        started = []
        for name in names:
            port = free_port()
            started.append(self.start(name, argv(port), port=port, wait=False))
        for process in started:
            process.wait_ready(timeout=timeout)
        return started

    def __getitem__(self, name):
        return self.started[name]

    def stop_all(self):
        for process in self.started.values():
            try:
                process.stop()
            except Exception:  # keep stopping the others
                process.kill9()

    def save_logs(self, dest):
        """Copy every log into ``dest`` (artifacts/...); returns the directory."""
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        for path in self.log_dir.glob("*.log"):
            shutil.copy(path, dest / path.name)
        return dest

    def cleanup(self):
        shutil.rmtree(self.log_dir, ignore_errors=True)


@atexit.register
def _kill_leftovers():
    for process in list(_live):
        try:
            process.kill9()
        except Exception:
            pass


# --- private Redis and PostgreSQL, for fault tests (never touch the machine's shared ones) ------
class RedisServer:
    """A ``redis-server`` of our own on a free port (no persistence), to stop and start at will."""

    def __init__(self, log_dir):
        self.port = free_port()
        self.log_dir = Path(log_dir)
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout=10):
        argv = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--protected-mode", "no"]
        self.process = ManagedProcess("redis", argv, env=dict(os.environ), log_path=self.log_dir / "redis.log").start()
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.port, timeout=0.2):
            if not self.process.alive or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start:\n{self.process.log_text()[-2000:]}")
            time.sleep(0.02)
        return self

    def kill(self):
        """SIGKILL: every connection drops at once, as in a crash."""
        if self.process:
            self.process.kill9()


def _postgres_bin(name):
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    return shutil.which(name) or name


class PostgresCluster:
    """A PostgreSQL cluster of our own (``initdb`` in a temporary directory, run as the ``postgres``
    OS user when we are root), on a free port, to stop and start during a test."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="chatdesk-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.running = False
        _clusters.add(self)

    def _run(self, *argv, timeout=60):
        argv = [str(a) for a in argv]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=self.dir)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}\n{self.log_text()[-2000:]}")
        return result.stdout

    def init(self):
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run(_postgres_bin("initdb"), "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        return self

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run(_postgres_bin("pg_ctl"), "-D", self.data, "-o", options, "-l", self.log, "-w", "-t", "30", "start")
        self.running = True
        return self

    def stop(self):
        """Fast shutdown: open transactions are rolled back and every connection is closed."""
        if self.running:
            self._run(_postgres_bin("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "-t", "30", "stop")
            self.running = False

    def url(self, dbname="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def copy_database(self, source_url, name):
        """Create ``name`` here as a copy (schema and rows) of the database at ``source_url``."""
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        dump = subprocess.run([_postgres_bin("pg_dump"), "--no-owner", "--no-privileges", "-d", source_url],
                              capture_output=True, text=True, timeout=120, check=True).stdout
        subprocess.run([_postgres_bin("psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url(name)],
                       input=dump, capture_output=True, text=True, timeout=120, check=True)
        return Database(name, admin_url=self.url())

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except (FileNotFoundError, PermissionError):
            return ""

    def destroy(self):
        try:
            self.stop()
        finally:
            _clusters.discard(self)
            shutil.rmtree(self.dir, ignore_errors=True)


_clusters = set()


@atexit.register
def _stop_clusters():
    for cluster in list(_clusters):
        try:
            cluster.destroy()
        except Exception:
            pass

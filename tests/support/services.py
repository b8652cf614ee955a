"""Private PostgreSQL 15 and Redis 7 (Debian packages) for tests: each in a temporary folder on
a free loopback port, never the system services, stopped at the end.

    with Postgres(tmp_path / "pg") as pg:   # pg.url: postgresql://prescreen@127.0.0.1:PORT/prescreen
    with Redis(tmp_path / "redis") as r:     # r.url: redis://127.0.0.1:PORT/0
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path(os.environ.get("PRESCREEN_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


def _as_postgres_user() -> dict:
    """PostgreSQL refuses to run as root: drop to the `postgres` user (Debian's) when root."""
    if os.geteuid() != 0:
        return {}
    pw = pwd.getpwnam("postgres")
    return {"user": pw.pw_uid, "group": pw.pw_gid}


@dataclass
class Postgres:
    folder: Path
    port: int = field(default_factory=free_port)
    user: str = "prescreen"
    db: str = "prescreen"

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.db}"

    def _run(self, *cmd: str) -> None:
        subprocess.run(cmd, check=True, capture_output=True, cwd="/", **_as_postgres_user())

    def start(self) -> Postgres:
        if not (PG_BIN / "initdb").is_file():
            raise RuntimeError(
                f"PostgreSQL 15 is not installed ({PG_BIN}); see requirements/apt.d/service.txt"
            )
        ids = _as_postgres_user()
        if ids:
            # As root the server runs as `postgres`, which cannot enter pytest's private temp
            # folders: a folder of its own under the system temp dir, removed at stop.
            self.folder = Path(tempfile.mkdtemp(prefix="prescreen-pg-"))
            self._own_folder = True
            shutil.chown(self.folder, ids["user"], ids["group"])
        self.folder.mkdir(parents=True, exist_ok=True)
        data = self.folder / "data"
        self._run(str(PG_BIN / "initdb"), "-D", str(data), "-U", self.user, "--auth=trust", "-E", "UTF8")
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.folder / "postgres.log"),
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off",
            "-w",
            "start",
        )
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, self.db)
        return self

    def stop(self) -> None:
        data = self.folder / "data"
        if data.is_dir():
            subprocess.run(
                [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                cwd="/",
                **_as_postgres_user(),
            )
        if getattr(self, "_own_folder", False):
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Postgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Redis:
    folder: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is not installed; see requirements/apt.d/service.txt")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.folder)],
            stdout=open(self.folder / "redis.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        _wait_port(self.port, self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def __enter__(self) -> Redis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""Child processes that cannot outlive `prescreen serve`, and the pid file that cleans up after
one that was killed anyway.

Every child is started with PR_SET_PDEATHSIG = SIGKILL (Linux): when the supervisor dies, even by
SIGKILL, the kernel kills its children. They are spawned from the supervisor's main thread
(the signal follows the thread that forked). The pid file records each child with its start
time, so the next start can stop leftovers of a supervisor that died some other way (a
container runtime, a platform without PDEATHSIG) without hitting a recycled pid.
Children run with umask 077: whatever they write (logs, the SQLite store) is private.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PR_SET_PDEATHSIG = 1

try:
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:  # not Linux: the pid file is the only guard
    _libc = None


def _child_setup(parent: int) -> None:
    # Runs in the child between fork and exec: only async-signal-safe work.
    os.setsid()  # Ctrl-C in the terminal reaches only the supervisor, which stops them in order
    os.umask(0o077)
    if _libc is not None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl: do not run unsupervised
        os._exit(1)


def spawn(cmd: list[str], *, cwd: Path, env: dict[str, str], log) -> subprocess.Popen:
    parent = os.getpid()
    return subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: _child_setup(parent),
    )


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (/proc), None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


@dataclass
class PidFile:
    path: Path

    def write(self, children: dict[str, subprocess.Popen]) -> None:
        data = {
            "supervisor": {"pid": os.getpid(), "start": start_time(os.getpid())},
            "children": {
                name: {"pid": p.pid, "start": start_time(p.pid)}
                for name, p in children.items()
                if p.poll() is None
            },
        }
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.replace(tmp, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def clean_stale(self) -> list[str]:
        """Stop the children of a supervisor that is gone; returns the names stopped.
        Refuses (RuntimeError) when that supervisor is still running."""
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return []
        sup = data.get("supervisor") or {}
        if sup.get("pid") and sup.get("pid") != os.getpid() and _alive(sup):
            raise RuntimeError(f"another prescreen serve (pid {sup['pid']}) is running with these ports")
        stopped = []
        for name, child in (data.get("children") or {}).items():
            if _alive(child):
                os.kill(child["pid"], signal.SIGTERM)
                stopped.append(name)
        deadline = time.monotonic() + 10
        for child in (data.get("children") or {}).values():
            while _alive(child) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive(child):
                os.kill(child["pid"], signal.SIGKILL)
        self.remove()
        return stopped


def _alive(entry: dict) -> bool:
    pid, started = entry.get("pid"), entry.get("start")
    return isinstance(pid, int) and started is not None and start_time(pid) == started

"""The JSONL report file and its run state: whole lines only, resumable after any stop.

Each report is one `os.write` of a whole line followed by fsync, so a crash or a kill
leaves at most a torn last line, which resuming cuts off. The run state (as-of date and
the candidate list) sits beside the file, so a resumed run screens the same patients on
the same date even when it is resumed the next day.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from common.errors import AppError

STATE_VERSION = 1


class OutFileError(AppError):
    """The output file cannot be used as asked (one line, for the CLI)."""


def prefix_of(out: Path) -> Path:
    """'runs/night.jsonl' -> 'runs/night': the stem the CSV, HTML and state files share."""
    if out.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return out.with_suffix("")
    return out


def state_path(out: Path) -> Path:
    return Path(f"{prefix_of(out)}.state.json")


@dataclass
class RunState:
    as_of: str
    candidates: list[str]
    source: str
    mode: str
    extra: dict = field(default_factory=dict)

    def save(self, path: Path) -> None:
        body = {"version": STATE_VERSION, "as_of": self.as_of, "source": self.source, "mode": self.mode,
                "candidates": self.candidates, **({"extra": self.extra} if self.extra else {})}
        atomic_write(path, json.dumps(body, ensure_ascii=False, indent=1).encode())

    @classmethod
    def load(cls, path: Path) -> RunState | None:
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise OutFileError(f"run state {path} is unreadable ({type(e).__name__}); "
                               "start again without --resume") from None
        if not isinstance(body, dict) or body.get("version") != STATE_VERSION:
            raise OutFileError(f"run state {path} is not one this version wrote")
        return cls(as_of=str(body["as_of"]), candidates=[str(c) for c in body["candidates"]],
                   source=str(body.get("source", "")), mode=str(body.get("mode", "")),
                   extra=dict(body.get("extra") or {}))


def atomic_write(path: Path, data: bytes, mode: int = 0o640) -> None:
    """Write a whole file or nothing: temp file, fsync, rename. Patient data: not world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def patient_of(line: dict) -> str:
    return str(line.get("patient", "")).removeprefix("Patient/")


def read_lines(path: Path) -> Iterator[dict]:
    """The report lines of a finished or stopped run (a torn last line is skipped)."""
    with open(path, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                return  # torn by a kill mid-write; resume cuts it off
            if raw.strip():
                yield json.loads(raw)


class ReportFile:
    """Append-only JSONL of reports, one whole line per patient."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def prepare(self, *, resume: bool, retry_errors: bool, overwrite: bool) -> dict[str, str]:
        """Open for appending; returns {patient id: verdict} of the lines already there."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        exists = self.path.exists() and self.path.stat().st_size > 0
        done: dict[str, str] = {}
        if exists and not resume:
            if not overwrite:
                raise OutFileError(f"{self.path} already holds reports; continue it with --resume, "
                                   "or replace it with --overwrite")
            self.path.unlink()
        elif exists:
            done = self._recover(retry_errors)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        return done

    def _recover(self, retry_errors: bool) -> dict[str, str]:
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            # A line torn by a kill: the patient has no report yet, so it is screened again.
            with open(self.path, "r+b") as f:
                f.truncate(end)
                os.fsync(f.fileno())
            data = data[:end]
        done: dict[str, str] = {}
        kept: list[bytes] = []
        for lineno, raw in enumerate(data.splitlines(keepends=True), start=1):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
            except ValueError:
                raise OutFileError(f"{self.path} line {lineno} is not a report; not resuming "
                                   "(fix or move the file)") from None
            if not isinstance(line, dict) or not patient_of(line):
                raise OutFileError(f"{self.path} line {lineno} is not a report; not resuming")
            if retry_errors and line.get("verdict") == "error":
                continue
            done[patient_of(line)] = str(line.get("verdict"))
            kept.append(raw)
        if retry_errors and len(kept) != len([r for r in data.splitlines() if r.strip()]):
            atomic_write(self.path, b"".join(kept))
        return done

    def write(self, line: dict) -> None:
        assert self._fd is not None, "prepare() first"
        data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

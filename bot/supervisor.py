"""Start and stop the chat stack: the Rasa server (.venv-rasa) and the action server (.venv),
both on loopback, training the model first when there is none for the current data.

Used by `prescreen serve`, `prescreen demo`, the end-to-end tests and the benchmark.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bot.access.keys import action_secret, state_dir, token_secret

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
# Everything a trained model depends on; any change trains a new one.
# data/nlu_zh: the Chinese examples (issue 12); data/jieba: the tokenizer's medical dictionary.
MODEL_INPUTS = (
    "config.yml",
    "domain.yml",
    "data/nlu",
    "data/nlu_zh",
    "data/jieba",
    "data/rules.yml",
    "data/stories.yml",
)
START_TIMEOUT = float(os.environ.get("PRESCREEN_START_TIMEOUT", "180"))


class StackError(Exception):
    """The stack could not start (one line for stderr)."""


def rasa_python() -> Path:
    return Path(os.environ.get("PRESCREEN_RASA_PYTHON") or ROOT / ".venv-rasa" / "bin" / "python")


def quiet_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONWARNINGS": "ignore",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra or {})
    return env


def model_fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for name in MODEL_INPUTS:
        path = root / name
        files = (
            sorted(p for p in path.rglob("*") if p.is_file())
            if path.is_dir()
            else [path]
            if path.exists()
            else []
        )
        for f in files:
            digest.update(str(f.relative_to(root)).encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def model_path(root: Path = ROOT) -> Path:
    return MODELS / f"prescreen-{model_fingerprint(root)}.tar.gz"


def ensure_model(log: Path | None = None, say=print) -> Path:
    """The model for the current data, trained now if missing (fixed seeds: reproducible)."""
    target = model_path()
    if target.is_file():
        return target
    MODELS.mkdir(exist_ok=True)
    say(f"prescreen: training the chat model (once for this data, about 20 s) -> {target.name}")
    with tempfile.TemporaryDirectory(dir=MODELS) as tmp:
        cmd = [
            str(rasa_python()),
            "-m",
            "rasa",
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "data/nlu",
            "data/nlu_zh",
            "data/rules.yml",
            "--out",
            tmp,
            "--fixed-model-name",
            "model",
        ]
        if (ROOT / "data" / "stories.yml").is_file():
            cmd.insert(cmd.index("--out"), "data/stories.yml")
        out = open(log, "ab") if log else subprocess.DEVNULL
        try:
            done = subprocess.run(cmd, cwd=ROOT, env=quiet_env(), stdout=out, stderr=subprocess.STDOUT)
        finally:
            if log:
                out.close()
        if done.returncode != 0:
            raise StackError(f"training failed (exit {done.returncode}); see {log or 'rasa train output'}")
        # Renamed into place only when complete: a half-written model is never picked up.
        os.replace(Path(tmp) / "model.tar.gz", target)
    for old in MODELS.glob("prescreen-*.tar.gz"):  # models of older training data
        if old != target:
            old.unlink(missing_ok=True)
    return target


@dataclass
class StackConfig:
    fhir_base: str | None = None
    fhir_dir: str | None = None
    as_of: str | None = None
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    api_token: str | None = None  # tests only: Rasa's HTTP API, behind this token
    log_dir: Path = field(default_factory=lambda: state_dir() / "logs")
    extra_env: dict[str, str] = field(default_factory=dict)


class Stack:
    def __init__(self, cfg: StackConfig) -> None:
        self.cfg = cfg
        self.procs: list[subprocess.Popen] = []
        self._logs: list = []

    @property
    def webhook(self) -> str:
        return f"http://{self.cfg.host}:{self.cfg.rasa_port}/webhooks/prescreen/webhook"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.cfg.host}:{self.cfg.rasa_port}"

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
        self.cfg.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.cfg.log_dir / f"{name}.log", "ab")
        self._logs.append(log)
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )  # Ctrl-C reaches us; we stop them in order
        self.procs.append(proc)
        return proc

    def _check_ports(self) -> None:
        for port in (self.cfg.rasa_port, self.cfg.action_port):
            with socket.socket() as sock:
                try:
                    sock.bind((self.cfg.host, port))
                except OSError:
                    raise StackError(
                        f"port {port} on {self.cfg.host} is in use (another prescreen serve?)"
                    ) from None

    def start(self, say=print) -> Stack:
        self._check_ports()
        self.cfg.log_dir.mkdir(parents=True, exist_ok=True)
        model = ensure_model(self.cfg.log_dir / "train.log", say=say)
        secret = action_secret()
        actions_env = quiet_env({"PRESCREEN_ACTION_SECRET": secret, **self.cfg.extra_env})
        # The record source of this stack, whatever the caller's environment says.
        if self.cfg.fhir_dir:
            actions_env["PRESCREEN_FHIR_DIR"] = str(self.cfg.fhir_dir)
            actions_env.pop("PRESCREEN_FHIR_BASE", None)
        else:
            actions_env.pop("PRESCREEN_FHIR_DIR", None)
            if self.cfg.fhir_base:
                actions_env["PRESCREEN_FHIR_BASE"] = self.cfg.fhir_base
        if self.cfg.as_of:
            actions_env["PRESCREEN_AS_OF"] = self.cfg.as_of
        actions = self._spawn(
            "actions",
            [
                sys.executable,
                "-m",
                "actions.server",
                "--host",
                self.cfg.host,
                "--port",
                str(self.cfg.action_port),
            ],
            actions_env,
        )
        rasa_env = quiet_env(
            {
                "PRESCREEN_ACTION_SECRET": secret,
                "PRESCREEN_TOKEN_SECRET": token_secret(),
                "PRESCREEN_ACTION_URL": f"http://{self.cfg.host}:{self.cfg.action_port}/webhook",
                **self.cfg.extra_env,
            }
        )
        cmd = [
            str(rasa_python()),
            "-m",
            "rasa",
            "run",
            "--model",
            str(model),
            "--interface",
            self.cfg.host,
            "--port",
            str(self.cfg.rasa_port),
            "--credentials",
            "credentials.yml",
            "--endpoints",
            "endpoints.yml",
        ]
        if self.cfg.api_token:
            cmd += ["--enable-api", "--auth-token", self.cfg.api_token]
        rasa = self._spawn("rasa", cmd, rasa_env)
        try:
            self._wait(actions, f"http://{self.cfg.host}:{self.cfg.action_port}/health", "action server")
            self._wait(rasa, f"{self.rasa_url}/webhooks/prescreen/", "Rasa server")
        except BaseException:  # a failed start or Ctrl-C while waiting: leave nothing running
            self.stop()
            raise
        return self

    def _wait(self, proc: subprocess.Popen, url: str, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise StackError(f"the {what} exited (code {proc.returncode}); see {self.cfg.log_dir}")
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise StackError(f"the {what} did not answer on {url} within {START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""Start, watch and stop the chat stack, all on loopback, training the model first when there
is none for the current data:

- N Rasa servers (.venv-rasa) on internal ports, sharing a SQL tracker store (conversations
  survive restarts) and, when N > 1, a Redis lock store (bot/stores.py);
- one action server (.venv) per Rasa server, each Rasa talking to its own;
- nginx on the public port in front of them (bot/balancer.py): body-size limits, timeouts,
  only the chat's paths, and /health, served by the supervisor itself (`Stack.health`);
- a private redis-server when N > 1 and no PRESCREEN_LOCK_URL names one.

Children die with the supervisor (bot/procs.py: PR_SET_PDEATHSIG, pid file); a part that exits
is restarted (`Stack.supervise`), a few times a minute at most, then reported.
Used by `prescreen serve`, `prescreen demo`, the end-to-end tests and the benchmark.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from bot.access.keys import (
    WeakSecret,
    action_secret,
    ensure_state_dir,
    private_dir,
    private_file,
    state_dir,
    token_secret,
)
from bot.balancer import BalancerConfig, nginx_binary
from bot.procs import PidFile, spawn
from bot.stores import (
    LOCK_URL_ENV,
    TRACKER_URL_ENV,
    LockStore,
    StoreConfigError,
    TrackerStore,
    store_env,
    write_endpoints,
)

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
# What `rasa train` and `rasa data validate` read (the rules, the examples of both languages).
TRAINING_DATA = ("data/nlu", "data/nlu_zh", "data/rules.yml", "data/stories.yml")
START_TIMEOUT = float(os.environ.get("PRESCREEN_START_TIMEOUT", "180"))
# A part that exits is restarted, but not more than this many times in RESTART_WINDOW seconds.
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0
# Sanic's limits inside Rasa (read from SANIC_* variables): bodies over this are refused with 413
# before they are read, whatever the balancer in front does.
RASA_LIMITS = {
    "SANIC_REQUEST_MAX_SIZE": str(64 * 1024),
    "SANIC_REQUEST_TIMEOUT": "30",
    "SANIC_KEEP_ALIVE_TIMEOUT": "30",
}
RASA_RESPONSE_TIMEOUT = 120  # seconds: a turn never waits longer (records answer within 8 s)


class StackError(Exception):
    """The stack could not start (one line for stderr)."""


def require_project(root: Path = ROOT) -> None:
    """The chat runs from a checkout: Rasa's project files and its environment live there."""
    files = ("config.yml", "domain.yml", "credentials.yml")
    missing = [name for name in files if not (root / name).is_file()]
    if missing or not rasa_python().exists():
        what = ", ".join(missing) if missing else f"the Rasa environment {rasa_python()}"
        raise StackError(
            f"the chat runs from a source checkout (`make install` there); not found in {root}: {what}"
        )


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


def project_args(root: Path = ROOT) -> list[str]:
    """The Rasa project as `rasa train` and `rasa data validate` take it (run in `root`)."""
    data = [name for name in TRAINING_DATA if (root / name).exists()]
    return ["--config", "config.yml", "--domain", "domain.yml", "--data", *data]


def model_path(root: Path = ROOT) -> Path:
    return MODELS / f"prescreen-{model_fingerprint(root)}.tar.gz"


def ensure_model(log: Path | None = None, say=print) -> Path:
    """The model for the current data, trained now if missing (fixed seeds: reproducible)."""
    target = model_path()
    if target.is_file():
        return target
    require_project()
    MODELS.mkdir(exist_ok=True)
    say(f"prescreen: training the chat model (once for this data, about 20 s) -> {target.name}")
    with tempfile.TemporaryDirectory(dir=MODELS) as tmp:
        cmd = [
            str(rasa_python()),
            *("-m", "rasa", "train", *project_args()),
            *("--out", tmp, "--fixed-model-name", "model"),
        ]
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


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class StackConfig:
    fhir_base: str | None = None
    fhir_dir: str | None = None
    as_of: str | None = None
    host: str = "127.0.0.1"
    # The chat port of the Rasa side: nginx (the load balancer over the Rasa servers) listens
    # on it. Without a web front it is also the public port; with one (web_port), the front
    # listens on web_port and forwards the webhook here (or to `web_upstreams` when given).
    rasa_port: int = 5005
    action_port: int = 5055  # the first action server; the others on free ports
    replicas: int = 1
    # The Rasa servers' internal ports (the upstream list); free ports when empty.
    upstream_ports: list[int] = field(default_factory=list)
    balancer_port: int | None = None  # None: the public port
    health_port: int | None = None  # the supervisor's /health (behind nginx); free when None
    tracker_url: str | None = None  # default $PRESCREEN_TRACKER_URL, else SQLite in the state dir
    lock_url: str | None = None  # default $PRESCREEN_LOCK_URL; N > 1 without one: private Redis
    api_token: str | None = None  # tests only: Rasa's HTTP API on the first server, behind this token
    log_dir: Path = field(default_factory=lambda: state_dir() / "logs")
    extra_env: dict[str, str] = field(default_factory=dict)
    restart: bool = True
    # The web front (web/): the pages and the public webhook on this port.
    web_port: int | None = None
    web_upstreams: tuple[str, ...] = ()


@dataclass
class Part:
    """One supervised process: how to start it, how to tell it is serving."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    probe: str | None  # a URL that answers 200 when the part serves
    proc: subprocess.Popen | None = None
    restarts: list[float] = field(default_factory=list)
    given_up: bool = False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Stack:
    def __init__(self, cfg: StackConfig) -> None:
        self.cfg = cfg
        self.parts: list[Part] = []
        self._logs: list = []
        self._health: ThreadingHTTPServer | None = None
        self.run_dir = state_dir() / "run" / f"serve-{cfg.rasa_port}"
        self.pidfile = PidFile(state_dir() / "run" / f"serve-{cfg.rasa_port}.json")
        if not cfg.upstream_ports:
            cfg.upstream_ports = [free_port(cfg.host) for _ in range(max(1, cfg.replicas))]
        cfg.replicas = len(cfg.upstream_ports)
        self.action_ports = [cfg.action_port] + [free_port(cfg.host) for _ in range(cfg.replicas - 1)]
        if cfg.health_port is None:
            cfg.health_port = free_port(cfg.host)
        self.tracker: TrackerStore | None = None
        self.lock: LockStore | None = None

    # --- addresses -------------------------------------------------------------------------
    @property
    def public_port(self) -> int:
        return self.cfg.rasa_port

    @property
    def webhook(self) -> str:
        return f"http://{self.cfg.host}:{self.public_port}/webhooks/prescreen/webhook"

    @property
    def rasa_url(self) -> str:
        """The first Rasa server, directly (tests: its API; never exposed)."""
        return self.rasa_urls[0]

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://{self.cfg.host}:{p}" for p in self.cfg.upstream_ports]

    @property
    def upstream_url(self) -> str:
        """Where a front process sends chat requests: the balancer."""
        return f"http://{self.cfg.host}:{self.cfg.balancer_port or self.public_port}"

    @property
    def procs(self) -> list[subprocess.Popen]:
        return [p.proc for p in self.parts if p.proc is not None]

    def part(self, name: str) -> Part:
        return next(p for p in self.parts if p.name == name)

    # --- starting --------------------------------------------------------------------------
    def _check_ports(self) -> None:
        ports = [self.public_port, *self.cfg.upstream_ports, *self.action_ports, self.cfg.health_port]
        if self.cfg.web_port:
            ports.append(self.cfg.web_port)
        if self.cfg.balancer_port:
            ports.append(self.cfg.balancer_port)
        for port in ports:
            with socket.socket() as sock:
                try:
                    sock.bind((self.cfg.host, port))
                except OSError:
                    raise StackError(
                        f"port {port} on {self.cfg.host} is in use (another prescreen serve?)"
                    ) from None

    def _profiled(self, name: str, cmd: list[str]) -> list[str]:
        """Under $PRESCREEN_PROFILE_DIR (benchmarks/profile_turn.py) a Python part runs under
        cProfile, its stats written there when it stops."""
        folder = os.environ.get("PRESCREEN_PROFILE_DIR")
        if not folder:
            return cmd
        return [cmd[0], "-m", "cProfile", "-o", str(Path(folder) / f"{name}.prof"), *cmd[1:]]

    def _spawn(self, part: Part) -> None:
        log = private_file(self.cfg.log_dir / f"{part.name}.log")
        self._logs.append(log)
        part.proc = spawn(part.cmd, cwd=ROOT, env=part.env, log=log)
        self.pidfile.write({p.name: p.proc for p in self.parts if p.proc is not None})

    def _stores(self) -> Path:
        try:
            self.tracker = TrackerStore.parse(
                self.cfg.tracker_url or os.environ.get(TRACKER_URL_ENV),
                ensure_state_dir() / "conversations.db",
            )
            lock_url = self.cfg.lock_url or os.environ.get(LOCK_URL_ENV)
            if lock_url:
                self.lock = LockStore.parse(lock_url)
            elif self.cfg.replicas > 1:
                self.lock = LockStore(self.cfg.host, free_port(self.cfg.host))
                self._add_redis(self.lock.port)
        except StoreConfigError as e:
            raise StackError(str(e)) from None
        return write_endpoints(self.run_dir / "endpoints.yml", self.tracker, self.lock)

    def _add_redis(self, port: int) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise StackError(
                "several Rasa servers need a Redis lock store: install redis-server or set " + LOCK_URL_ENV
            )
        cmd = [binary, "--bind", self.cfg.host, "--port", str(port), "--save", "", "--appendonly", "no"]
        cmd += ["--dir", str(self.run_dir), "--protected-mode", "yes"]
        self.parts.append(Part("redis", cmd, quiet_env(), None))

    def start(self, say=print) -> Stack:
        require_project()
        try:
            ensure_state_dir()
            private_dir(self.cfg.log_dir)
            private_dir(self.run_dir.parent)
            private_dir(self.run_dir)
            token, secret = token_secret(), action_secret()
        except WeakSecret as e:
            raise StackError(str(e)) from None
        try:
            stale = self.pidfile.clean_stale()
        except RuntimeError as e:
            raise StackError(str(e)) from None
        if stale:
            say(f"prescreen: stopped leftovers of a previous run: {', '.join(stale)}")
        self._check_ports()
        model = ensure_model(self.cfg.log_dir / "train.log", say=say)
        endpoints = self._stores()
        self._add_actions(secret)
        self._add_rasas(model, endpoints, token, secret)
        self._add_balancer()
        self._add_front(token)
        try:
            self._serve_health()
            for part in self.parts:
                self._spawn(part)
            for part in self.parts:
                self._wait(part)
        except BaseException:  # a failed start or Ctrl-C while waiting: leave nothing running
            self.stop()
            raise
        return self

    # --- the web front (issue 13) -----------------------------------------------------------
    @property
    def web_url(self) -> str:
        return f"http://{self.cfg.host}:{self.cfg.web_port}"

    @property
    def public_webhook(self) -> str:
        """The webhook clients use: the web front's when it runs, else nginx's."""
        return f"{self.web_url}/webhooks/prescreen/webhook" if self.cfg.web_port else self.webhook

    def _add_front(self, token: str) -> None:
        """The web front (python -m web.server, app venv) on web_port, forwarding the webhook to
        nginx (or to `web_upstreams`); supervised and restarted like every other part."""
        if not self.cfg.web_port:
            return
        upstreams = ",".join(self.cfg.web_upstreams or (self.upstream_url,))
        env = quiet_env(
            {
                "PRESCREEN_TOKEN_SECRET": token,  # the front signs patient tokens
                "PRESCREEN_RASA_UPSTREAMS": upstreams,
                **self.cfg.extra_env,
            }
        )
        cmd = [sys.executable, "-m", "web.server", "--host", self.cfg.host, "--port", str(self.cfg.web_port)]
        self.parts.append(Part("web", self._profiled("web", cmd), env, f"{self.web_url}/healthz"))

    def _actions_env(self, secret: str) -> dict[str, str]:
        env = quiet_env({"PRESCREEN_ACTION_SECRET": secret, **self.cfg.extra_env})
        # The record source of this stack, whatever the caller's environment says.
        if self.cfg.fhir_dir:
            env["PRESCREEN_FHIR_DIR"] = str(self.cfg.fhir_dir)
            env.pop("PRESCREEN_FHIR_BASE", None)
        else:
            env.pop("PRESCREEN_FHIR_DIR", None)
            if self.cfg.fhir_base:
                env["PRESCREEN_FHIR_BASE"] = self.cfg.fhir_base
        if self.cfg.as_of:
            env["PRESCREEN_AS_OF"] = self.cfg.as_of
        return env

    def _add_actions(self, secret: str) -> None:
        env = self._actions_env(secret)
        for i, port in enumerate(self.action_ports):
            cmd = [sys.executable, "-m", "actions.server", "--host", self.cfg.host, "--port", str(port)]
            probe = f"http://{self.cfg.host}:{port}/health"
            name = _numbered("actions", i, self.cfg.replicas)
            self.parts.append(Part(name, self._profiled(name, cmd), env, probe))

    def _add_rasas(self, model: Path, endpoints: Path, token: str, secret: str) -> None:
        assert self.tracker is not None
        for i, port in enumerate(self.cfg.upstream_ports):
            env = quiet_env(
                {
                    "PRESCREEN_ACTION_SECRET": secret,
                    "PRESCREEN_TOKEN_SECRET": token,
                    "PRESCREEN_ACTION_URL": f"http://{self.cfg.host}:{self.action_ports[i]}/webhook",
                    **RASA_LIMITS,
                    **store_env(self.tracker, self.lock),
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
                str(port),
                "--credentials",
                "credentials.yml",
                "--endpoints",
                str(endpoints),
                "--response-timeout",
                str(RASA_RESPONSE_TIMEOUT),
            ]
            if self.cfg.api_token and i == 0:
                cmd += ["--enable-api", "--auth-token", self.cfg.api_token]
            probe = f"http://{self.cfg.host}:{port}/webhooks/prescreen/"
            name = _numbered("rasa", i, self.cfg.replicas)
            self.parts.append(Part(name, self._profiled(name, cmd), env, probe))

    def _add_balancer(self) -> None:
        binary = nginx_binary()
        if not binary:
            raise StackError(
                "nginx is not installed (make install installs it: requirements/apt.d/service.txt)"
            )
        bal = BalancerConfig(
            host=self.cfg.host,
            port=self.cfg.balancer_port or self.public_port,
            upstreams=self.cfg.upstream_ports,
            health_port=int(self.cfg.health_port or 0),
            run_dir=self.run_dir,
        )
        bal.write()
        probe = f"http://{self.cfg.host}:{bal.port}/health"
        self.parts.append(Part("nginx", bal.command(binary), quiet_env(), probe))

    def _wait(self, part: Part) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if part.proc is None or part.proc.poll() is not None:
                code = part.proc.returncode if part.proc else None
                raise StackError(f"{part.name} exited (code {code}); see {self.cfg.log_dir}/{part.name}.log")
            if part.probe is None or _answers(part.probe):
                return
            time.sleep(0.3)
        raise StackError(f"{part.name} did not answer on {part.probe} within {START_TIMEOUT:.0f} s")

    def restart_part(self, name: str) -> None:
        """Stop one part (SIGTERM) and start it again on the same port and state, waiting until it
        serves (an operator's reload of the web front; the tests' restarts)."""
        part = self.part(name)
        if part.alive():
            assert part.proc is not None
            part.proc.terminate()
            part.proc.wait(timeout=30)
        self._spawn(part)
        self._wait(part)

    # --- watching --------------------------------------------------------------------------
    def supervise(self, say=print) -> bool:
        """Restart parts that exited. False when one keeps dying (given up: the caller stops)."""
        ok = True
        for part in self.parts:
            if part.alive() or part.given_up:
                ok = ok and not part.given_up
                continue
            now = time.monotonic()
            part.restarts = [t for t in part.restarts if now - t < RESTART_WINDOW]
            code = part.proc.returncode if part.proc else None
            if not self.cfg.restart or len(part.restarts) >= MAX_RESTARTS:
                part.given_up = True
                say(f"prescreen: {part.name} exited (code {code}), not restarted; see {self.cfg.log_dir}")
                ok = False
                continue
            say(f"prescreen: {part.name} exited (code {code}); restarting it")
            part.restarts.append(now)
            self._spawn(part)
        return ok

    def health(self) -> dict:
        """Each part: running, answering its probe, restarts in the last minute."""
        parts = {}
        for part in self.parts:
            alive = part.alive()
            serving = alive and (part.probe is None or part.name == "nginx" or _answers(part.probe, 1.0))
            parts[part.name] = {
                "status": "up" if serving else "starting" if alive else "down",
                "restarts": len(part.restarts),
            }
        overall = "ok" if all(p["status"] == "up" for p in parts.values()) else "degraded"
        store = self.tracker.describe().split(" ")[0] if self.tracker else None
        return {"status": overall, "parts": parts, "tracker_store": store, "replicas": self.cfg.replicas}

    def _serve_health(self) -> None:
        stack = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path != "/health":
                    self.send_error(404)
                    return
                report = stack.health()
                body = json.dumps(report).encode()
                self.send_response(200 if report["status"] == "ok" else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._health = ThreadingHTTPServer((self.cfg.host, int(self.cfg.health_port or 0)), Handler)
        self._health.daemon_threads = True
        threading.Thread(target=self._health.serve_forever, name="health", daemon=True).start()

    # --- stopping --------------------------------------------------------------------------
    def stop(self) -> None:
        # The fronts first (no new requests), then Rasa, then the actions and the stores.
        rank = {"web": 0, "nginx": 1, "rasa": 2, "actions": 3}
        order = sorted(self.parts, key=lambda p: rank.get(p.name.split("-")[0], 4))
        for part in order:
            if part.alive():
                part.proc.terminate()
        for part in order:
            if part.proc is None:
                continue
            try:
                part.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                part.proc.kill()
                part.proc.wait()
        self.parts.clear()
        if self._health is not None:
            self._health.shutdown()
            self._health.server_close()
            self._health = None
        for log in self._logs:
            log.close()
        self._logs.clear()
        self.pidfile.remove()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _numbered(name: str, i: int, n: int) -> str:
    return name if n == 1 else f"{name}-{i + 1}"


def _answers(url: str, timeout: float = 2.0) -> bool:
    try:
        return requests.get(url, timeout=timeout).status_code == 200
    except requests.RequestException:
        return False

"""A fault-injecting HTTP proxy for tests: it sits between FhirClient and the real FHIR
server and breaks chosen answers on purpose.

It forwards every request (headers included, Authorization too) to the upstream base
URL and relays the answer, rewriting the upstream's absolute URLs in bodies and
Location headers (HAPI's next links) to its own address. Faults are scripted per test:

    with FaultProxy(fhir_base) as proxy:
        proxy.inject("429", times=1, path_regex=r"/Observation")
        client = FhirClient(proxy.base_url)
        ...
        assert proxy.count(r"/Observation") == 2

It is a fault injector at the boundary, never a stand-in for the FHIR server: every
answer that is not a fault comes from upstream.

Faults:
    "429"               429 with Retry-After (default 1 s), not forwarded
    "503", "502"        that status with an OperationOutcome, not forwarded
    "delay"             wait `seconds` (default 3) before forwarding: beyond a read timeout
    "truncate"          forward, then send only the first half of the body (valid HTTP)
    "invalid_resource"  forward; add an invalid Observation to a searchset Bundle
    "reset"             close the connection with a TCP reset, no answer at all
    "401"               401 with an OperationOutcome, not forwarded
    "403", "422"        that status with an OperationOutcome, not forwarded (a server refusing writes)
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = frozenset(
    {"429", "503", "502", "401", "403", "422", "delay", "truncate", "invalid_resource", "reset"}
)
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "content-encoding",
    }
)
INVALID_OBSERVATION_ID = "fault-invalid-1"


@dataclass
class Fault:
    kind: str
    times: int
    path_regex: re.Pattern[str] | None
    options: dict = field(default_factory=dict)
    served: int = 0

    def matches(self, path: str) -> bool:
        return self.served < self.times and (
            self.path_regex is None or self.path_regex.search(path) is not None
        )


@dataclass
class Seen:
    """One request the proxy received (counted on arrival), and what it did with it."""

    method: str
    path: str
    fault: str | None
    at: float
    status: int | None = None  # None: no answer (reset) or not answered yet


class FaultProxy:
    """Threaded HTTP proxy on 127.0.0.1 (a free port) in front of `upstream_base`."""

    def __init__(self, upstream_base: str, *, upstream_timeout: float = 60.0) -> None:
        up = urlsplit(upstream_base.rstrip("/"))
        if up.scheme != "http":
            raise ValueError("FaultProxy forwards to plain http upstreams only (test servers)")
        self.upstream_base = upstream_base.rstrip("/")
        self._up_host = up.hostname or "127.0.0.1"
        self._up_port = up.port or 80
        self._up_path = up.path
        self.upstream_timeout = upstream_timeout
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.seen: list[Seen] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.base_url = self.origin + self._up_path
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._started = False

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> FaultProxy:
        if not self._started:
            self._thread.start()
            self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            self._server.shutdown()
            self._started = False
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- scripting -------------------------------------------------------------------

    def inject(
        self, fault: str, times: int = 1, path_regex: str | None = None, **options: object
    ) -> Fault:
        """Serve `fault` to the next `times` requests whose path+query match path_regex."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {sorted(FAULTS)}")
        rule = Fault(fault, times, re.compile(path_regex) if path_regex else None, dict(options))
        with self._lock:
            self._faults.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.seen.clear()

    def count(self, path_regex: str | None = None, fault: str | None = None) -> int:
        """Requests received (whose path+query match / that got `fault`)."""
        pattern = re.compile(path_regex) if path_regex else None
        with self._lock:
            return sum(
                1
                for s in self.seen
                if (pattern is None or pattern.search(s.path))
                and (fault is None or s.fault == fault)
            )

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for rule in self._faults:
                if rule.matches(path):
                    rule.served += 1
                    return rule
        return None

    def _record(self, method: str, path: str, fault: str | None) -> Seen:
        seen = Seen(method, path, fault, time.monotonic())
        with self._lock:
            self.seen.append(seen)
        return seen

    # --- body rewriting --------------------------------------------------------------

    def _rewrite(self, data: bytes) -> bytes:
        # Absolute upstream URLs (HAPI's next/self links, fullUrls) must point at us, or
        # the client would page around the proxy. HAPI may name itself localhost or
        # 127.0.0.1, whichever the upstream base does not.
        ours = self.origin.encode()
        for host in {self._up_host, "localhost", "127.0.0.1"}:
            data = data.replace(f"http://{host}:{self._up_port}".encode(), ours)
        return data

    # --- the handler -----------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet tests
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def do_PUT(self) -> None:
                self._handle()

            def do_DELETE(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rule = proxy._take_fault(self.path)
                kind = rule.kind if rule else None
                seen = proxy._record(self.command, self.path, kind)
                if kind == "reset":
                    self._reset()
                    return
                if kind in ("429", "503", "502", "401", "403", "422"):
                    status = int(kind)
                    headers = {}
                    if status == 429:
                        headers["Retry-After"] = str(rule.options.get("retry_after", 1))
                    if status == 503 and "retry_after" in rule.options:
                        headers["Retry-After"] = str(rule.options["retry_after"])
                    seen.status = status
                    text = str(rule.options.get("text", f"injected fault {status}"))
                    self._send(status, _outcome(text), headers)
                    return
                if kind == "delay":
                    time.sleep(float(rule.options.get("seconds", 3)))
                try:
                    status, headers, data = self._forward(body)
                except OSError as e:
                    seen.status = 502
                    self._send(502, _outcome(f"proxy: upstream failed: {type(e).__name__}"), {})
                    return
                data = proxy._rewrite(data)
                if kind == "invalid_resource":
                    data = _insert_invalid(data)
                if kind == "truncate":
                    data = data[: max(1, len(data) // 2)]
                seen.status = status
                try:
                    self._send(status, data, headers)
                except OSError:
                    pass  # the client gave up (e.g. its read timeout during "delay")

            def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
                conn = http.client.HTTPConnection(
                    proxy._up_host, proxy._up_port, timeout=proxy.upstream_timeout
                )
                try:
                    headers = {
                        k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP
                    }
                    headers["Host"] = f"{proxy._up_host}:{proxy._up_port}"
                    headers["Accept-Encoding"] = "identity"  # we rewrite bodies
                    if body:
                        headers["Content-Length"] = str(len(body))
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    out = {}
                    for k, v in resp.getheaders():
                        if k.lower() in HOP_BY_HOP:
                            continue
                        if k.lower() in ("location", "content-location"):
                            v = proxy._rewrite(v.encode()).decode()
                        out[k] = v
                    return resp.status, out, data
                finally:
                    conn.close()

            def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if not any(k.lower() == "content-type" for k in headers):
                    self.send_header("Content-Type", "application/fhir+json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()

            def _reset(self) -> None:
                # SO_LINGER 0: close() sends RST instead of FIN, as a crashed peer would.
                try:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                except OSError:
                    pass
                self.close_connection = True
                try:
                    self.connection.close()
                except OSError:
                    pass

        return Handler


def _outcome(text: str) -> bytes:
    return json.dumps(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "transient", "diagnostics": text}],
        }
    ).encode()


def _insert_invalid(data: bytes) -> bytes:
    """Add one structurally invalid Observation to a searchset Bundle (else unchanged)."""
    try:
        bundle = json.loads(data)
    except ValueError:
        return data
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return data
    subject = None
    for entry in bundle.get("entry") or []:
        res = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(res, dict) and isinstance(res.get("subject"), dict):
            subject = res["subject"]
            break
    bad = {
        "resourceType": "Observation",
        "id": INVALID_OBSERVATION_ID,
        "status": "banana",
        "code": {"coding": [{"system": "http://loinc.org", "code": "777-3"}]},
        "valueQuantity": {"value": "abc", "unit": "10*9/L"},
    }
    if subject:
        bad["subject"] = subject
    bundle.setdefault("entry", []).insert(0, {"resource": bad, "search": {"mode": "match"}})
    return json.dumps(bundle).encode()

#!/usr/bin/env python3
"""Load a folder of FHIR transaction Bundles into a FHIR R4 server.

  load_fhir.py DIR --fhir-base URL [--token TOKEN]

POSTs every *.json transaction Bundle in DIR to the server base, in name order with Group
bundles (group-*.json) last so that their member references resolve (--workers N posts the
patient bundles N at a time). Prints one line per file and a total. On the first error it
names the file, the HTTP status and the OperationOutcome diagnostics, and exits non-zero.
The bearer token comes from --token or PRESCREEN_FHIR_TOKEN, the base from --fhir-base or
PRESCREEN_FHIR_BASE.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import requests

FHIR_JSON = "application/fhir+json"


def bundle_files(folder: Path) -> list[Path]:
    files = [p for p in folder.glob("*.json") if p.is_file()]
    return sorted(files, key=lambda p: (p.name.startswith("group-"), p.name))


def outcome_text(resp: requests.Response) -> str:
    """The diagnostics of an OperationOutcome body, else the start of the body."""
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:500].strip() or resp.reason
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        parts = []
        for issue in body.get("issue", []):
            text = issue.get("diagnostics") or (issue.get("details") or {}).get("text") or issue.get("code")
            parts.append(f"{issue.get('severity', '?')}: {text}")
        return "; ".join(parts) or "OperationOutcome without issues"
    return json.dumps(body)[:500]


def failed_entries(body: dict) -> list[str]:
    """Entries of a transaction-response whose status is not 2xx."""
    bad = []
    for i, entry in enumerate(body.get("entry", []) if isinstance(body, dict) else []):
        status = (entry.get("response") or {}).get("status", "")
        if not status[:1] == "2":
            bad.append(f"entry {i}: {status or 'no status'}")
    return bad


class LoadError(Exception):
    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def post_bundle(session: requests.Session, url: str, path: Path, timeout: float) -> tuple[int, str]:
    """POSTs one transaction Bundle file; returns the line to print, raises LoadError."""
    raw = path.read_bytes()
    try:
        bundle = json.loads(raw)
    except ValueError as exc:
        raise LoadError(f"{path.name}: not JSON: {exc}") from exc
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") not in ("transaction", "batch"):
        raise LoadError(f"{path.name}: not a transaction or batch Bundle")
    count = len(bundle.get("entry", []))
    t0 = time.monotonic()
    try:
        resp = session.post(url, data=raw, timeout=timeout)
    except requests.RequestException as exc:
        raise LoadError(f"{path.name}: cannot reach {url}: {exc}", 2) from exc
    if resp.status_code >= 300:
        raise LoadError(f"{path.name}: HTTP {resp.status_code}: {outcome_text(resp)}")
    try:
        bad = failed_entries(resp.json())
    except ValueError:
        bad = []
    if bad:
        raise LoadError(f"{path.name}: HTTP {resp.status_code} but {', '.join(bad[:5])}")
    return count, f"{path.name}: {count} resources, HTTP {resp.status_code}, {time.monotonic() - t0:.2f}s"


def load(folder: Path, base: str, token: str | None, timeout: float, workers: int = 1) -> int:
    files = bundle_files(folder)
    if not files:
        print(f"error: no *.json files in {folder}", file=sys.stderr)
        return 2
    headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    local = threading.local()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers.update(headers)
        return local.session

    url = base.rstrip("/")
    started = time.monotonic()
    total = 0
    # Patient bundles are independent and may go in parallel; Group bundles go last, one by one.
    first = [p for p in files if not p.name.startswith("group-")]
    last = [p for p in files if p.name.startswith("group-")]
    try:
        if workers > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(lambda p=p: post_bundle(session(), url, p, timeout)) for p in first]
                try:
                    for fut in as_completed(futures):
                        count, line = fut.result()
                        total += count
                        print(line, flush=True)
                except LoadError:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
        else:
            last = first + last
        for path in last:
            count, line = post_bundle(session(), url, path, timeout)
            total += count
            print(line, flush=True)
    except LoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"loaded {len(files)} files, {total} resources in {time.monotonic() - started:.1f}s")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path, help="folder of transaction Bundle *.json files")
    ap.add_argument("--fhir-base", default=os.environ.get("PRESCREEN_FHIR_BASE"),
                    help="FHIR server base URL (default: $PRESCREEN_FHIR_BASE)")
    ap.add_argument("--token", default=os.environ.get("PRESCREEN_FHIR_TOKEN"),
                    help="bearer token (default: $PRESCREEN_FHIR_TOKEN)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default 120)")
    ap.add_argument("--workers", type=int, default=1,
                    help="patient bundles posted in parallel (default 1); Group bundles always go last")
    args = ap.parse_args(argv)
    if not args.fhir_base:
        ap.error("--fhir-base is required (or set PRESCREEN_FHIR_BASE)")
    if not args.dir.is_dir():
        ap.error(f"{args.dir} is not a folder")
    return load(args.dir, args.fhir_base, args.token, args.timeout, max(1, args.workers))


if __name__ == "__main__":
    sys.exit(main())

"""FHIR Bulk Data export: kick-off, polling, NDJSON download, delete; a local mirror.

A full export goes to `<bulk dir>/export-<time>/`; an incremental one (`_since`) to a new
folder beside it. DirSource reads the whole bulk dir and keeps, for each resource, the
version with the latest meta.lastUpdated, so full + increments read as the current record.
(Resources deleted on the server since the full export are not removed: a limitation of
this simple mirror; a new full export starts clean.)
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import requests

from fhir_ingest.client import retry_after_seconds
from fhir_ingest.errors import FhirAuthError, FhirError, FhirUnreachable, outcome_text_of
from fhir_ingest.records import is_valid_id, medication_references, patient_id_of

log = logging.getLogger(__name__)

MANIFEST = "_export.manifest"  # not *.json: DirSource would read it as a resource
MEDICATION_CHUNK = 50  # ids per Medication?_id= search: keeps URLs short
NDJSON = "application/fhir+ndjson"
TRANSIENT = frozenset({429, 500, 502, 503, 504})
_EXPORT_DIR = re.compile(r"^export-\d{8}T\d{6}")


class BulkError(FhirError):
    """The export failed or the server does not do Bulk Data."""

    def _head(self) -> str:
        status = f" (HTTP {self.status})" if self.status is not None else ""
        return f"bulk export failed{status} on {self.method} {self._shown_url}"


@dataclass
class Export:
    folder: Path
    transaction_time: str
    files: list[Path] = field(default_factory=list)
    errors: int = 0  # OperationOutcome lines in the manifest's error files


def export_types(plan_types: Iterable[str]) -> list[str]:
    """What to export: the Patient and the search plan's types.

    Not Medication: it is outside the patient compartment, so patient and group exports
    refuse it (HAPI: HAPI-0512). The Medications the records cite are read afterwards.
    """
    return sorted({"Patient", *plan_types} - {"Medication"})


class BulkClient:
    """Runs one export against a FhirClient's server, with its session (auth, agent)."""

    def __init__(
        self,
        client,
        *,
        poll_cap: float = 60.0,
        timeout: float = 6 * 3600.0,
        say: Callable[[str], None] = lambda _msg: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.base = client.base_url
        self.poll_cap = poll_cap
        self.timeout = timeout
        self.say = say
        self.sleep = sleep
        # The client's policy, plus 500: export servers answer it while a job is busy.
        self.policy = dataclasses.replace(
            client.policy,
            retry_statuses=client.policy.retry_statuses | TRANSIENT,
            retry_after_cap=max(client.policy.retry_after_cap, poll_cap),
        )

    # --- the protocol ----------------------------------------------------------------

    def export(
        self,
        into: Path,
        *,
        group: str | None = None,
        since: str | None = None,
        types: Iterable[str] = (),
    ) -> Export:
        """Kick off, wait, download into a new folder under `into`, delete the job."""
        status_url = self.kick_off(group=group, since=since, types=types)
        try:
            manifest = self.wait(status_url)
            return self.download(manifest, into)
        finally:
            # Done with the files, or cancelling the job (failure, Ctrl-C): either way, DELETE.
            self.delete(status_url)

    def kick_off(self, *, group: str | None, since: str | None, types: Iterable[str]) -> str:
        if group is not None and not is_valid_id(group):
            raise BulkError(None, self.base, reason=f"--group {group!r} is not a FHIR id")
        path = f"Group/{quote(group, safe='')}/$export" if group else "Patient/$export"
        params = {"_outputFormat": NDJSON}
        type_list = ",".join(types)
        if type_list:
            params["_type"] = type_list
        if since:
            params["_since"] = since
        resp = self._request("GET", f"{self.base}/{path}", params=params,
                             headers={"Accept": "application/fhir+json", "Prefer": "respond-async"})
        location = resp.headers.get("Content-Location")
        if resp.status_code != 202 or not location:
            raise BulkError(resp.status_code, resp.url, base_url=self.base,
                            reason="kick-off did not answer 202 with Content-Location")
        self.say("bulk export started")
        return location

    def wait(self, status_url: str) -> dict:
        started = time.monotonic()
        delay = 1.0
        self._needs_token_for(status_url, needs_token=True)  # our token stays with our server
        while True:
            resp = self._request("GET", status_url, headers={"Accept": "application/json"})
            if resp.status_code == 200:
                try:
                    manifest = resp.json()
                except ValueError:
                    raise BulkError(200, status_url, base_url=self.base,
                                    reason="manifest is not JSON") from None
                if not isinstance(manifest, dict) or not isinstance(manifest.get("output", []), list):
                    raise BulkError(200, status_url, base_url=self.base, reason="manifest has no output list")
                return manifest
            if resp.status_code != 202:
                raise BulkError(resp.status_code, status_url, base_url=self.base,
                                reason="unexpected status while polling")
            progress = resp.headers.get("X-Progress")
            if progress:
                self.say(f"bulk export: {progress.strip()[:80]}")
            wait = retry_after_seconds(resp.headers.get("Retry-After"))
            if wait is None:
                wait, delay = delay, min(delay * 2, self.poll_cap)
            if time.monotonic() - started + wait > self.timeout:
                raise BulkError(202, status_url, base_url=self.base,
                                reason=f"export not finished after {self.timeout:.0f} s")
            self.sleep(min(wait, self.poll_cap))

    def download(self, manifest: dict, into: Path) -> Export:
        ttime = str(manifest.get("transactionTime") or datetime.now(timezone.utc).isoformat())
        folder = into / f"export-{_stamp(ttime)}"
        if folder.exists():
            shutil.rmtree(folder)  # a half-downloaded earlier try of the same export
        part = folder.with_name(folder.name + ".part")
        shutil.rmtree(part, ignore_errors=True)
        part.mkdir(parents=True)
        needs_token = bool(manifest.get("requiresAccessToken", True))
        exp = Export(folder, ttime)
        counters: dict[str, int] = {}
        for item in manifest.get("output") or []:
            if not isinstance(item, dict) or not isinstance(item.get("url"), str):
                continue
            rtype = str(item.get("type") or "Resource")
            if not re.fullmatch(r"[A-Za-z]{1,64}", rtype):
                rtype = "Resource"
            counters[rtype] = counters.get(rtype, 0) + 1
            target = part / f"{rtype}.{counters[rtype]:03d}.ndjson"
            self._fetch_file(item["url"], target, needs_token)
            exp.files.append(folder / target.name)
        for item in manifest.get("error") or []:
            if isinstance(item, dict) and isinstance(item.get("url"), str):
                exp.errors += self._count_lines(item["url"], needs_token)
        meds = self._cited_medications(part)
        if meds:
            exp.files.append(folder / meds.name)
        (part / MANIFEST).write_text(json.dumps(
            {"transactionTime": ttime, "request": manifest.get("request"), "files": len(exp.files)}))
        part.rename(folder)  # the folder appears only when complete
        self.say(f"bulk export: downloaded {len(exp.files)} files")
        return exp

    def _cited_medications(self, folder: Path) -> Path | None:
        """Read the Medications the exported orders cite, into Medication.cited.ndjson."""
        have: set[str] = set()
        cited: set[str] = set()
        for path in sorted(folder.glob("*.ndjson")):
            for res in _resources(path):
                if res.get("resourceType") == "Medication" and isinstance(res.get("id"), str):
                    have.add(res["id"])
                cited.update(rid for rtype, rid in medication_references(res) if rtype == "Medication")
        wanted = sorted(cited - have)
        if not wanted:
            return None
        target = folder / "Medication.cited.ndjson"
        with open(target, "w", encoding="utf-8") as f:
            for i in range(0, len(wanted), MEDICATION_CHUNK):
                ids = ",".join(wanted[i:i + MEDICATION_CHUNK])
                for med in self.client.search("Medication", {"_id": ids, "_count": str(MEDICATION_CHUNK)}):
                    if isinstance(med, dict):
                        f.write(json.dumps(med, ensure_ascii=False, separators=(",", ":")) + "\n")
        return target

    def delete(self, status_url: str) -> None:
        """Tell the server it may drop the job and its files (best effort)."""
        try:
            self._needs_token_for(status_url, needs_token=True)
            resp = self._request("DELETE", status_url, headers={"Accept": "application/fhir+json"},
                                 check=False, retries=0)
            if resp.status_code >= 400 and resp.status_code != 404:
                log.info("bulk export: DELETE of the job answered %s", resp.status_code)
        except FhirError as e:
            log.info("bulk export: DELETE of the job failed: %s", e)

    # --- HTTP ------------------------------------------------------------------------

    def _needs_token_for(self, url: str, needs_token: bool) -> bool:
        """Whether to send our credentials with `url` (refusing when another host wants them)."""
        if self.client.same_server(url):
            return True
        if needs_token:
            # Our token goes to our server only.
            raise BulkError(None, url, base_url=self.base,
                            reason="the export points to another host; our access token is not sent there")
        return False

    def _fetch_file(self, url: str, target: Path, needs_token: bool) -> None:
        resp = self._request("GET", url, headers={"Accept": NDJSON}, stream=True,
                             send_auth=self._needs_token_for(url, needs_token))
        try:
            with open(target, "wb") as f:
                for chunk in resp.iter_content(chunk_size=1 << 16):
                    f.write(chunk)
        except requests.RequestException as e:
            raise FhirUnreachable(None, url, base_url=self.base,
                                  reason=f"download broken: {type(e).__name__}") from e
        finally:
            resp.close()

    def _count_lines(self, url: str, needs_token: bool) -> int:
        resp = self._request("GET", url, headers={"Accept": NDJSON},
                             send_auth=self._needs_token_for(url, needs_token))
        return sum(1 for line in resp.text.splitlines() if line.strip())

    def _request(
        self,
        method: str,
        url: str,
        *,
        params: dict | None = None,
        headers: dict | None = None,
        stream: bool = False,
        check: bool = True,
        retries: int | None = None,
        send_auth: bool = True,
    ) -> requests.Response:
        """The client's one retry loop, with the export's policy; errors named as bulk errors."""
        policy = self.policy if retries is None else dataclasses.replace(self.policy, max_retries=retries)
        resp = self.client.request(method, url, params=params, headers=headers, stream=stream,
                                   check=False, policy=policy, send_auth=send_auth)
        if check and resp.status_code >= 400:
            cls = FhirAuthError if resp.status_code in (401, 403) else BulkError
            raise cls(resp.status_code, resp.url, outcome_text_of(resp.content), method=method,
                      base_url=self.base)
        return resp


def _stamp(instant: str) -> str:
    """'2026-11-24T03:04:05.123+00:00' -> '20261124T030405' (sortable folder names)."""
    digits = re.sub(r"[^0-9T]", "", instant.split(".")[0].split("+")[0].rstrip("Z"))
    return (digits + "000000")[:15] if "T" in digits else datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")


# --- the local mirror ----------------------------------------------------------------


def exports_in(bulk_dir: Path) -> list[tuple[str, Path]]:
    """(transactionTime, folder) of every complete export in the mirror, oldest first."""
    out = []
    if not bulk_dir.is_dir():
        return out
    for folder in sorted(bulk_dir.iterdir()):
        manifest = folder / MANIFEST
        if folder.is_dir() and _EXPORT_DIR.match(folder.name) and manifest.is_file():
            try:
                out.append((str(json.loads(manifest.read_text())["transactionTime"]), folder))
            except (OSError, ValueError, KeyError):
                continue
    return out


def drop_older(bulk_dir: Path, keep: Path) -> None:
    """After a full export, earlier ones only hold stale copies."""
    for _, folder in exports_in(bulk_dir):
        if folder != keep:
            shutil.rmtree(folder, ignore_errors=True)
    for leftover in bulk_dir.glob("export-*.part"):
        shutil.rmtree(leftover, ignore_errors=True)


def patients_in(files: Iterable[Path]) -> set[str]:
    """Patients any resource of these NDJSON files belongs to (what an increment touched)."""
    return {pid for path in files for res in _resources(path) if (pid := patient_id_of(res))}


def _resources(path: Path) -> Iterable[dict]:
    """The JSON objects of an NDJSON file; broken lines are DirSource's to report."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                res = json.loads(line)
            except ValueError:
                continue
            if isinstance(res, dict):
                yield res


__all__ = ["BulkClient", "BulkError", "Export", "drop_older", "export_types", "exports_in", "patients_in"]

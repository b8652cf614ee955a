"""`prescreen batch` never copies a FHIR server's OperationOutcome diagnostics (which can hold
names, MRNs, values) into the report file or onto stderr: the status and a generic reason only.
Real HAPI behind the fault proxy, which answers chosen requests with such an OperationOutcome."""

from __future__ import annotations

from batchutil import AS_OF, batch, by_patient, read_jsonl

try:
    from support.fault_proxy import FaultProxy
except ImportError:  # run from the repository root with rootdir on sys.path
    from tests.support.fault_proxy import FaultProxy

LEAK = "Patient Wenbin Li MRN ZS20260037 bilirubin 31.2 umol/L"
SECRETS = ("Wenbin", "ZS20260037", "31.2")


def through_proxy(fhir_base, fhir_token, tmp_path, patients, status, path_regex, *args):
    """`prescreen batch` over `patients` with HAPI behind the fault proxy answering `status`, with
    the leaking OperationOutcome, for requests matching `path_regex`."""
    ids = tmp_path / "ids.txt"
    ids.write_text("".join(f"{p}\n" for p in patients))
    out = tmp_path / "r.jsonl"
    with FaultProxy(fhir_base) as proxy:
        proxy.inject(status, times=1000, path_regex=path_regex, text=LEAK)
        done = batch("--fhir-base", proxy.base_url, "--as-of", AS_OF, "--out", str(out), "--patients",
                     str(ids), "--no-progress", *args, token=fhir_token)
    return done, out


def test_error_line_has_the_status_not_the_diagnostics(fhir_base, fhir_token, tmp_path):
    done, out = through_proxy(fhir_base, fhir_token, tmp_path, ["icc-001", "icc-002"], "503",
                              r"/Observation\?patient=icc-002(&|$)", "--retries", "0")
    assert done.returncode == 0, done.stderr
    lines = by_patient(read_jsonl(out))
    bad = lines["Patient/icc-002"]
    assert bad["verdict"] == "error" and "503" in bad["error"] and "withheld" in bad["error"]
    assert lines["Patient/icc-001"]["verdict"] != "error"
    summaries = (p for p in tmp_path.glob("r.*") if p.suffix in (".csv", ".html"))
    written = out.read_text() + "".join(p.read_text() for p in summaries)
    for secret in SECRETS:
        assert secret not in written and secret not in done.stderr and secret not in done.stdout


def test_a_refusing_server_stops_the_run_without_its_diagnostics(fhir_base, fhir_token, tmp_path):
    patients = [f"icc-{i:03d}" for i in range(1, 16)]
    done, out = through_proxy(fhir_base, fhir_token, tmp_path, patients, "401", r"/Patient/",
                              "--workers", "1")
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("prescreen: error: stopped:") and "401" in last
    lines = read_jsonl(out)
    assert lines and all(x["verdict"] == "error" and "401" in x["error"] for x in lines)
    for secret in SECRETS:
        assert secret not in out.read_text() and secret not in done.stderr

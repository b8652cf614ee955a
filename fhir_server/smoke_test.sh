#!/usr/bin/env bash
# Smoke test of a running test FHIR server (start it with start.sh first).
# Loads a small transaction Bundle (patients smoke-001..), runs the searches the
# project needs, a full Bulk Data export round trip, and - when a token is
# configured - the token check. Exits non-zero on the first failed check.
#
#   PRESCREEN_FHIR_PORT   port (default 8090)
#   PRESCREEN_FHIR_TOKEN  the server's fixed token, if it has one
set -euo pipefail
PORT="${PRESCREEN_FHIR_PORT:-8090}"
B="http://127.0.0.1:$PORT/fhir"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
AUTH=()
[ -n "${PRESCREEN_FHIR_TOKEN:-}" ] && AUTH=(-H "Authorization: Bearer $PRESCREEN_FHIR_TOKEN")
ok=0

pass() { ok=$((ok + 1)); echo "ok   $1"; }
die() { echo "FAIL $1" >&2; exit 1; }
# req METHOD URL [curl args...] -> body in $TMP/body, headers in $TMP/head, prints status
req() {
    local m="$1" u="$2"; shift 2
    curl -s -X "$m" -D "$TMP/head" -o "$TMP/body" -w '%{http_code}' ${AUTH[@]+"${AUTH[@]}"} "$@" "$u"
}
# jq-like helper: py 'expression over d' (d = parsed $TMP/body)
py() { python3 -c "import json,sys; d=json.load(open('$TMP/body')); print($1)"; }
header() { tr -d '\r' < "$TMP/head" | awk -v h="$(echo "$1" | tr 'A-Z' 'a-z')" -F': ' 'tolower($1)==h{print $2}'; }

# ---- data
python3 - "$TMP/bundle.json" <<'PY'
import json, sys
e = []
def put(r): e.append({"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}})
lab = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}]
put({"resourceType": "Medication", "id": "smoke-med-1", "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "860975"}]}})
members = []
for i in (1, 2):
    p = f"smoke-{i:03d}"; ref = {"reference": f"Patient/{p}"}
    members.append({"entity": ref})
    put({"resourceType": "Patient", "id": p, "gender": "female", "birthDate": "1960-01-01"})
    for k in (1, 2, 3):
        put({"resourceType": "Observation", "id": f"{p}-hb-{k}", "status": "final", "category": lab, "subject": ref,
             "code": {"coding": [{"system": "http://loinc.org", "code": "718-7", "display": "Hemoglobin"}], "text": "Hemoglobin"},
             "effectiveDateTime": f"2024-0{k}-01", "valueQuantity": {"value": 12 + k, "unit": "g/dL"}})
        put({"resourceType": "Observation", "id": f"{p}-plt-{k}", "status": "final", "category": lab, "subject": ref,
             "code": {"coding": [{"system": "http://loinc.org", "code": "777-3", "display": "Platelets"}], "text": "Platelets"},
             "effectiveDateTime": f"2024-0{k}-01", "valueQuantity": {"value": 200 + k, "unit": "10*3/uL"}})
    put({"resourceType": "Condition", "id": f"{p}-c1", "subject": ref, "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C50.911"}]}})
    put({"resourceType": "MedicationRequest", "id": f"{p}-mr1", "status": "active", "intent": "order", "subject": ref,
         "medicationReference": {"reference": "Medication/smoke-med-1"}})
    put({"resourceType": "MedicationStatement", "id": f"{p}-ms1", "status": "active", "subject": ref,
         "medicationCodeableConcept": {"text": "aspirin"}})
    put({"resourceType": "MedicationAdministration", "id": f"{p}-ma1", "status": "completed", "subject": ref,
         "medicationCodeableConcept": {"text": "aspirin"}, "effectiveDateTime": "2024-01-01"})
    put({"resourceType": "AllergyIntolerance", "id": f"{p}-a1", "patient": ref, "code": {"text": "penicillin"}})
    put({"resourceType": "DiagnosticReport", "id": f"{p}-dr1", "status": "final", "subject": ref, "code": {"text": "CBC"}})
put({"resourceType": "Group", "id": "smoke-group", "type": "person", "actual": True, "member": members})
json.dump({"resourceType": "Bundle", "type": "transaction", "entry": e}, open(sys.argv[1], "w"))
PY

[ "$(curl -s -o /dev/null -w '%{http_code}' "$B/metadata")" = 200 ] || die "GET $B/metadata (is the server running?)"
pass "metadata"
s=$(req POST "$B" -H 'Content-Type: application/fhir+json' --data-binary @"$TMP/bundle.json")
[ "$s" = 200 ] && [ "$(py "d['type']")" = transaction-response ] || die "transaction Bundle ($s): $(head -c 300 "$TMP/body")"
pass "transaction Bundle with client ids (PUT)"

expect_count() {  # name url expected-number-of-entries
    local s; s=$(req GET "$2")
    [ "$s" = 200 ] || die "$1 ($s): $(head -c 300 "$TMP/body")"
    local n; n=$(py "len(d.get('entry', []))")
    [ "$n" = "$3" ] || die "$1: $n entries, expected $3"
    pass "$1 ($n)"
}
expect_count "Observation code search, page 1 of _count=2" \
    "$B/Observation?patient=Patient/smoke-001&code=http://loinc.org|718-7,http://loinc.org|777-3&_count=2" 2
next=$(py "[l['url'] for l in d['link'] if l['relation']=='next'][0]")
seen=2
while [ -n "$next" ]; do
    s=$(req GET "$next"); [ "$s" = 200 ] || die "next link ($s)"
    seen=$((seen + $(py "len(d.get('entry', []))")))
    next=$(py "([l['url'] for l in d.get('link', []) if l['relation']=='next'] + [''])[0]")
done
[ "$seen" = 6 ] || die "paging: $seen entries over all pages, expected 6"
pass "paging via Bundle.link[next] (6 over 3 pages)"
expect_count "Observation category=laboratory" "$B/Observation?patient=smoke-001&category=laboratory" 6
expect_count "Observation code:text" "$B/Observation?patient=smoke-001&code:text=Hemoglobin" 3
expect_count "Condition?patient" "$B/Condition?patient=Patient/smoke-001" 1
expect_count "MedicationRequest + _include medication" \
    "$B/MedicationRequest?patient=Patient/smoke-001&_include=MedicationRequest:medication" 2
for t in MedicationStatement MedicationAdministration AllergyIntolerance DiagnosticReport; do
    expect_count "$t?patient" "$B/$t?patient=smoke-001" 1
done
expect_count "Patient?_id" "$B/Patient?_id=smoke-001,smoke-002" 2
expect_count "Group?member" "$B/Group?member=Patient/smoke-001" 1
s=$(req GET "$B/Patient/smoke-does-not-exist")
[ "$s" = 404 ] && [ "$(py "d['resourceType']")" = OperationOutcome ] || die "unknown Patient: $s"
pass "unknown Patient -> 404 OperationOutcome"

# ---- Bulk Data export
s=$(req GET "$B/Group/smoke-group/\$export?_type=Patient,Observation" -H 'Prefer: respond-async' -H 'Accept: application/fhir+json')
[ "$s" = 202 ] || die "Group \$export kick-off ($s): $(head -c 300 "$TMP/body")"
loc=$(header Content-Location)
[ -n "$loc" ] || die "no Content-Location"
pass "Group/[id]/\$export -> 202 + Content-Location"
for _ in $(seq 1 120); do
    s=$(req GET "$loc")
    [ "$s" = 200 ] && break
    [ "$s" = 202 ] || die "poll ($s)"
    sleep 1
done
[ "$s" = 200 ] || die "export did not finish in 120 s"
pass "poll -> 200 manifest"
lines=0
for u in $(py "' '.join(o['url'] for o in d['output'])"); do
    s=$(req GET "$u"); [ "$s" = 200 ] || die "download $u ($s)"
    lines=$((lines + $(grep -c . "$TMP/body")))
done
[ "$lines" = 14 ] || die "NDJSON: $lines lines, expected 14 (2 Patient + 12 Observation)"
pass "NDJSON download (14 resources)"
s=$(req DELETE "$loc"); [ "$s" = 202 ] || die "DELETE status URL ($s)"
pass "DELETE status URL -> 202"
s=$(req GET "$B/Patient/\$export?_type=Observation&_since=2100-01-01T00:00:00Z" -H 'Prefer: respond-async')
[ "$s" = 202 ] || die "Patient/\$export kick-off ($s)"
loc=$(header Content-Location)
for _ in $(seq 1 120); do s=$(req GET "$loc"); [ "$s" = 200 ] && break; sleep 1; done
[ "$(py "len(d['output'])")" = 0 ] || die "_since in the future should export nothing"
req DELETE "$loc" >/dev/null
pass "Patient/\$export with _type and _since"

# ---- token check
if [ -n "${PRESCREEN_FHIR_TOKEN:-}" ]; then
    s=$(curl -s -o "$TMP/body" -w '%{http_code}' "$B/Patient")
    [ "$s" = 401 ] && [ "$(py "d['resourceType']")" = OperationOutcome ] || die "no token: $s"
    s=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong' "$B/Patient")
    [ "$s" = 401 ] || die "wrong token: $s"
    s=$(curl -s -o /dev/null -w '%{http_code}' "$B/.well-known/smart-configuration")
    [ "$s" = 200 ] || die "smart-configuration without token: $s"
    pass "token check (401 without / with a wrong token; metadata and smart-configuration open)"
fi
echo "all $ok checks passed against $B"

"""The on-disk index of a FHIR folder: which file (and, in NDJSON, which byte range) holds each
patient's resources, so that loading one patient reads only that patient's data.

The index is an SQLite file kept beside the folder's files (`.prescreen-index.sqlite3` in the
folder; in the user's cache when the folder is read-only). It records each file's size and
modification time; files added, changed or removed since are indexed again, alone, the next
time the folder is opened. Any number of processes may read it at once.

What a row points to:
  - an NDJSON line: (file, byte offset, byte length): one resource;
  - a JSON file (a Bundle or a resource): (file, -1, -1): the file is parsed at load and the
    patient's resources picked from it (per-patient Bundles, as Synthea writes them).
References by `urn:uuid:` to a Patient in another file are kept as pending rows and resolved
by a join on the fullUrls of every file, so an edit to either file stays consistent.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .records import TypeId, is_valid_id, parse_reference, patient_id_of
from .validate import Issue, reference_of

INDEX_DIR = ".prescreen-index"  # a folder of its own: writing the index never touches the
INDEX_NAME = f"{INDEX_DIR}/index.sqlite3"  # data folder's mtime, which tells of added files
SCHEMA_VERSION = 3
WHOLE = -1  # offset/length of a row that stands for a whole JSON file
_MAX_BUNDLE_DEPTH = 3  # Bundles inside Bundles (a collection of documents), not deeper

# Every table but meta, dirs and files names a file by its id and is looked up by one column
# (its first); rows, meds and pending point at a stretch of that file.
_STRETCH = "file INTEGER, offset INTEGER, length INTEGER"
_LOOKUP_TABLES = {
    "rows": f"patient TEXT, {_STRETCH}",
    "meds": f"id TEXT, {_STRETCH}",
    "urls": "url TEXT, type TEXT, rid TEXT, file INTEGER",
    "pending": f"url TEXT, {_STRETCH}",
    "issues": 'patient TEXT, file INTEGER, "where" TEXT, reference TEXT, message TEXT',
}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS dirs (path TEXT PRIMARY KEY, mtime_ns INTEGER);
CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY, path TEXT UNIQUE, size INTEGER,
                                  mtime_ns INTEGER, patients INTEGER);
""" + "".join(
    f"CREATE TABLE IF NOT EXISTS {table} ({columns});\n"
    f"CREATE INDEX IF NOT EXISTS {table}_{key} ON {table}({key});\n"
    f"CREATE INDEX IF NOT EXISTS {table}_file ON {table}(file);\n"
    for table, columns in _LOOKUP_TABLES.items()
    for key in [columns.split()[0]]
)


@dataclass(frozen=True)
class Row:
    path: str  # relative to the folder
    offset: int
    length: int

    @property
    def whole(self) -> bool:
        return self.offset == WHOLE


# --- reading a folder's files --------------------------------------------------------------

# (where, resource, fullUrl -> (type, id) within its Bundle)
Item = tuple[str, Any, dict[str, TypeId]]


def folder_files(root: Path, folders: dict[str, int] | None = None) -> dict[str, tuple[int, int]]:
    """{relative path: (size, mtime_ns)} of every .json / .ndjson file under root (dot-files
    and dot-folders skipped: the index itself lives in one); `folders` receives each
    folder's mtime (a file added or removed changes its folder's)."""
    out: dict[str, tuple[int, int]] = {}

    def walk(folder: str, rel: str) -> None:
        try:
            if folders is not None:
                folders[rel or "."] = os.stat(folder).st_mtime_ns
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            path = f"{rel}/{name}" if rel else name
            try:
                if entry.is_dir():
                    walk(entry.path, path)
                    continue
                lower = name.lower()
                if lower.endswith(".json") or lower.endswith(".ndjson"):
                    st = entry.stat()
                    out[path] = (st.st_size, st.st_mtime_ns)
            except OSError:
                continue

    walk(str(root), "")
    return out


def ndjson_lines(data: bytes, rel: str, issues: list[Issue]) -> Iterator[tuple[str, Any, int, int]]:
    """(where, resource, offset, length) of each line of an NDJSON file."""
    offset = 0
    for lineno, line in enumerate(data.splitlines(keepends=True), start=1):
        start, offset = offset, offset + len(line)
        text = line.strip()
        if lineno == 1 and text.startswith(b"\xef\xbb\xbf"):
            text = text[3:]
        if not text:
            continue
        where = f"{rel}:{lineno}"
        try:
            obj = json.loads(text)
        except (ValueError, UnicodeDecodeError) as e:
            issues.append(Issue(where, "?", f"invalid JSON: {json_msg(e)}"))
            continue
        yield where, obj, start, len(line)


def parse_line(data: bytes) -> Any:
    return json.loads(data.strip().removeprefix(b"\xef\xbb\xbf"))


def json_items(data: bytes, rel: str, issues: list[Issue]) -> Iterator[Item]:
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as e:
        lineno = getattr(e, "lineno", None)
        where = f"{rel}:{lineno}" if lineno else rel
        issues.append(Issue(where, "?", f"invalid JSON: {json_msg(e)}"))
        return
    if isinstance(obj, dict) and obj.get("resourceType") == "Bundle":
        yield from _bundle_items(obj, rel, issues, depth=0)
    elif isinstance(obj, dict):
        yield rel, obj, {}
    else:
        issues.append(Issue(rel, "?", "not a FHIR resource or Bundle"))


def _bundle_items(bundle: dict, where: str, issues: list[Issue], depth: int) -> Iterator[Item]:
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        issues.append(Issue(where, reference_of(bundle), "Bundle.entry is not a list"))
        return
    # First pass: give every entry a (type, id), so urn:uuid references can be resolved.
    full_urls: dict[str, TypeId] = {}
    prepared: list[tuple[str, Any]] = []
    for i, entry in enumerate(entries):
        ewhere = f"{where}#entry[{i}]"
        if not isinstance(entry, dict):
            issues.append(Issue(ewhere, "?", "Bundle entry is not a JSON object"))
            continue
        request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
        if str(request.get("method", "")).upper() == "DELETE":
            continue
        resource = entry.get("resource")
        if resource is None:
            continue
        if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
            if depth < _MAX_BUNDLE_DEPTH:
                yield from _bundle_items(resource, ewhere, issues, depth + 1)
            continue
        if isinstance(resource, dict):
            resource = _with_id(resource, entry, request)
            rtype, rid = resource.get("resourceType"), resource.get("id")
            full_url = entry.get("fullUrl")
            if isinstance(full_url, str) and isinstance(rtype, str) and isinstance(rid, str):
                full_urls[full_url] = (rtype, rid)
            if isinstance(rtype, str) and isinstance(rid, str):
                # Transactions may point at a resource by a conditional reference
                # ("Patient?identifier=system|value"), as Synthea does.
                for key in _conditional_keys(resource):
                    full_urls.setdefault(key, (rtype, rid))
        prepared.append((ewhere, resource))
    for ewhere, resource in prepared:
        yield ewhere, resource, full_urls


def _with_id(resource: dict, entry: dict, request: dict) -> dict:
    """Transaction entries may carry the id only in request.url or fullUrl."""
    if isinstance(resource.get("id"), str) and resource["id"]:
        return resource
    rtype = resource.get("resourceType")
    for candidate in (request.get("url"), entry.get("fullUrl")):
        if not isinstance(candidate, str):
            continue
        target = parse_reference(candidate)
        if target and target[0] == rtype:
            return {**resource, "id": target[1]}
        if candidate.startswith("urn:uuid:") and is_valid_id(candidate[9:]):
            return {**resource, "id": candidate[9:]}
    return resource


def _conditional_keys(resource: dict) -> list[str]:
    rtype = resource["resourceType"]
    keys = []
    for ident in resource.get("identifier") or []:
        if isinstance(ident, dict) and isinstance(ident.get("value"), str):
            value, system = ident["value"], ident.get("system")
            if isinstance(system, str):
                keys.append(f"{rtype}?identifier={system}|{value}")
            keys.append(f"{rtype}?identifier={value}")
    return keys


def resolve_references(obj: Any, full_urls: dict[str, TypeId]) -> Any:
    """As a FHIR server does on a transaction: urn:uuid:... becomes Type/id."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k == "reference" and isinstance(v, str) and v in full_urls:
                rtype, rid = full_urls[v]
                out[k] = f"{rtype}/{rid}"
            else:
                out[k] = resolve_references(v, full_urls)
        return out
    if isinstance(obj, list):
        return [resolve_references(v, full_urls) for v in obj]
    return obj


def subject_url(resource: dict) -> str | None:
    """The unresolved reference (urn:uuid:...) by which a resource names its patient."""
    for name in ("subject", "patient", "beneficiary"):
        value = resource.get(name)
        if isinstance(value, dict) and isinstance(value.get("reference"), str):
            ref = value["reference"]
            if ref.startswith("urn:") or ref.startswith("Patient?"):
                return ref
    return None


def check_resource(resource: Any, where: str) -> Issue | None:
    """The problems that keep a resource out of the index (the rest is validated at load)."""
    if not isinstance(resource, dict):
        return Issue(where, "?", f"not a JSON object ({type(resource).__name__})")
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        return Issue(where, "?", "no resourceType")
    rid = resource.get("id")
    if not isinstance(rid, str) or not is_valid_id(rid):
        return Issue(where, reference_of(resource), "missing or invalid id")
    return None


def json_msg(e: Exception) -> str:
    # json's message names the position, never the content.
    return getattr(e, "msg", None) or type(e).__name__


# --- the index -----------------------------------------------------------------------------


def index_path(root: Path) -> Path:
    """Beside the files when the folder is writable, else in the user's cache."""
    inside = root / INDEX_NAME
    if inside.parent.is_dir() and os.access(inside.parent, os.W_OK) or os.access(root, os.W_OK):
        return inside
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "prescreen" / "dir-index"
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]
    return cache / f"{digest}.sqlite3"


def _locked(method: Callable) -> Callable:
    def wrapper(self: FolderIndex, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return method(self, *args, **kwargs)

    wrapper.__doc__ = method.__doc__
    wrapper.__name__ = method.__name__
    return wrapper


class FolderIndex:
    """Build, refresh and query the index of one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = index_path(root)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db: sqlite3.Connection | None = None
        self.refreshed_files = 0  # files (re)indexed by the last refresh
        # One connection per index; sqlite3 connections must not be used by two threads at once.
        self.lock = threading.RLock()

    def connect(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(self.path, timeout=120, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL") if _wal_ok(self.path) else None
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # --- refresh ---------------------------------------------------------------------

    @_locked
    def refresh(self) -> int:
        """Index again every file added, changed or removed since the last refresh."""
        db = self.connect()
        folders: dict[str, int] = {}
        on_disk = folder_files(self.root, folders)
        known = self._known_files(db)
        known_folders = dict(db.execute("SELECT path, mtime_ns FROM dirs").fetchall())
        if self._schema_version(db) == SCHEMA_VERSION and known == on_disk and known_folders == folders:
            self.refreshed_files = 0
            return 0
        db.execute("BEGIN IMMEDIATE")  # one writer; others wait, then see its work
        try:
            db.execute("DELETE FROM dirs")
            db.executemany("INSERT INTO dirs VALUES (?, ?)", sorted(folders.items()))
            if self._schema_version(db) != SCHEMA_VERSION:
                for table in ("files", "rows", "meds", "urls", "pending", "issues"):
                    db.execute(f"DELETE FROM {table}")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            known = self._known_files(db)
            changed = [p for p in on_disk if known.get(p) != on_disk[p]]
            gone = [p for p in known if p not in on_disk]
            for rel in changed + gone:
                self._forget(db, rel)
            for rel in changed:
                self._index_file(db, rel, on_disk[rel])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self.refreshed_files = len(changed) + len(gone)
        return self.refreshed_files

    @_locked
    def fresh_for(self, paths: set[str]) -> bool:
        """A cheap look, for one patient's load: no folder gained or lost a file, and neither
        the given files nor any NDJSON file (bulk exports append) changed. A file edited in
        place elsewhere is seen by the next full refresh (listing patients, a new source)."""
        db = self.connect()
        if self._schema_version(db) != SCHEMA_VERSION:
            return False
        folders = db.execute("SELECT path, mtime_ns FROM dirs").fetchall()
        if not folders:
            return False
        for rel, mtime in folders:
            try:
                if os.stat(self.root / rel if rel != "." else self.root).st_mtime_ns != mtime:
                    return False
            except OSError:
                return False
        wanted = set(paths) | {p for (p,) in db.execute("SELECT path FROM files WHERE path LIKE '%.ndjson'")}
        for rel in wanted:
            row = db.execute("SELECT size, mtime_ns FROM files WHERE path = ?", (rel,)).fetchone()
            try:
                st = os.stat(self.root / rel)
            except OSError:
                return False
            if row is None or (st.st_size, st.st_mtime_ns) != tuple(row):
                return False
        return True

    @staticmethod
    def _schema_version(db: sqlite3.Connection) -> int | None:
        row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        return int(row[0]) if row else None

    @staticmethod
    def _known_files(db: sqlite3.Connection) -> dict[str, tuple[int, int]]:
        return {p: (s, m) for p, s, m in db.execute("SELECT path, size, mtime_ns FROM files")}

    @staticmethod
    def _forget(db: sqlite3.Connection, rel: str) -> None:
        row = db.execute("SELECT id FROM files WHERE path=?", (rel,)).fetchone()
        if row is None:
            return
        for table in ("rows", "meds", "urls", "pending", "issues"):
            db.execute(f"DELETE FROM {table} WHERE file=?", (row[0],))
        db.execute("DELETE FROM files WHERE id=?", (row[0],))

    def _index_file(self, db: sqlite3.Connection, rel: str, stat: tuple[int, int]) -> None:
        cur = db.execute(
            "INSERT INTO files(path, size, mtime_ns, patients) VALUES (?, ?, ?, 0)", (rel, *stat)
        )
        fid = cur.lastrowid
        issues: list[Issue] = []
        patients: set[str] = set()
        rows: set[tuple[str, int, int]] = set()
        meds: list[tuple[str, int, int]] = []
        urls: list[tuple[str, str, str]] = []
        pending: set[tuple[str, int, int]] = set()
        try:
            data = (self.root / rel).read_bytes()
        except OSError as e:
            issues.append(Issue(rel, "?", f"cannot read file: {type(e).__name__}"))
            data = None
        if data is not None and rel.lower().endswith(".ndjson"):
            for where, res, offset, length in ndjson_lines(data, rel, issues):
                self._classify(res, where, {}, (offset, length), patients, rows, meds, urls, pending, issues)
        elif data is not None:
            for where, res, full_urls in json_items(data, rel, issues):
                self._classify(
                    res, where, full_urls, (WHOLE, WHOLE), patients, rows, meds, urls, pending, issues
                )
        db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?)", [(p, fid, o, n) for p, o, n in sorted(rows)])
        db.executemany("INSERT INTO meds VALUES (?, ?, ?, ?)", [(m, fid, o, n) for m, o, n in meds])
        db.executemany("INSERT INTO urls VALUES (?, ?, ?, ?)", [(u, t, i, fid) for u, t, i in urls])
        db.executemany(
            "INSERT INTO pending VALUES (?, ?, ?, ?)", [(u, fid, o, n) for u, o, n in sorted(pending)]
        )
        # A per-patient file's problems are that patient's; otherwise everyone's (a broken
        # NDJSON line could be anyone's: every record is told).
        owner = next(iter(patients)) if len(patients) == 1 else None
        db.executemany(
            "INSERT INTO issues VALUES (?, ?, ?, ?, ?)",
            [(owner, fid, i.where, i.reference, i.message) for i in issues],
        )
        db.execute("UPDATE files SET patients=? WHERE id=?", (len(patients), fid))

    @staticmethod
    def _classify(
        res: Any,
        where: str,
        full_urls: dict[str, TypeId],
        span: tuple[int, int],
        patients: set[str],
        rows: set[tuple[str, int, int]],
        meds: list[tuple[str, int, int]],
        urls: list[tuple[str, str, str]],
        pending: set[tuple[str, int, int]],
        issues: list[Issue],
    ) -> None:
        problem = check_resource(res, where)
        if problem is not None:
            issues.append(problem)
            return
        rtype, rid = res["resourceType"], res["id"]
        if rtype == "Patient":
            for url, target in full_urls.items():
                if target == (rtype, rid):
                    urls.append((url, rtype, rid))
            urls.append((f"urn:uuid:{rid}", rtype, rid))  # Synthea-style fullUrl = urn:uuid:<id>
        if rtype == "Medication":
            meds.append((rid, *span))
            return
        pid = patient_id_of(res, full_urls)
        if pid is not None:
            patients.add(pid)
            rows.add((pid, *span))
            return
        url = subject_url(res)
        if url is not None:
            pending.add((url, *span))  # a Patient in another file, resolved by the join

    # --- queries ---------------------------------------------------------------------

    @_locked
    def patient_ids(self) -> list[str]:
        db = self.connect()
        ids = {p for (p,) in db.execute("SELECT DISTINCT patient FROM rows")}
        ids |= {
            p
            for (p,) in db.execute(
                "SELECT DISTINCT urls.rid FROM pending JOIN urls ON urls.url = pending.url "
                "WHERE urls.type = 'Patient'"
            )
        }
        return sorted(ids)

    @_locked
    def rows_of(self, patient_id: str) -> list[Row]:
        db = self.connect()
        found = db.execute(
            "SELECT files.path, rows.offset, rows.length FROM rows JOIN files ON files.id = rows.file "
            "WHERE rows.patient = ? "
            "UNION SELECT files.path, pending.offset, pending.length FROM pending "
            "JOIN urls ON urls.url = pending.url JOIN files ON files.id = pending.file "
            "WHERE urls.type = 'Patient' AND urls.rid = ? ORDER BY 1, 2",
            (patient_id, patient_id),
        ).fetchall()
        return [Row(p, o, n) for p, o, n in found]

    @_locked
    def medication(self, med_id: str) -> Row | None:
        found = (
            self.connect()
            .execute(
                "SELECT files.path, meds.offset, meds.length FROM meds JOIN files ON files.id = meds.file "
                "WHERE meds.id = ? ORDER BY files.path, meds.offset LIMIT 1",
                (med_id,),
            )
            .fetchone()
        )
        return Row(*found) if found else None

    @_locked
    def urls_for(self, refs: set[str]) -> dict[str, TypeId]:
        if not refs:
            return {}
        db = self.connect()
        out: dict[str, TypeId] = {}
        for ref in sorted(refs):
            row = db.execute(
                "SELECT type, rid FROM urls WHERE url = ? ORDER BY rid LIMIT 1", (ref,)
            ).fetchone()
            if row:
                out[ref] = (row[0], row[1])
        return out

    @_locked
    def issues_of(self, patient_id: str | None) -> list[Issue]:
        db = self.connect()
        if patient_id is None:
            found = db.execute(
                'SELECT "where", reference, message FROM issues WHERE patient IS NULL ' "ORDER BY file, rowid"
            ).fetchall()
        else:
            found = db.execute(
                'SELECT "where", reference, message FROM issues WHERE patient IS NULL OR patient = ? '
                "ORDER BY file, rowid",
                (patient_id,),
            ).fetchall()
        return [Issue(*row) for row in found]

    @_locked
    def unresolved(self) -> int:
        """Resources naming a patient by a reference no file resolves."""
        row = (
            self.connect()
            .execute(
                "SELECT COUNT(*) FROM pending LEFT JOIN urls ON urls.url = pending.url WHERE urls.url IS NULL"
            )
            .fetchone()
        )
        return int(row[0])


def _wal_ok(path: Path) -> bool:
    # WAL needs shared memory beside the file; network file systems may not have it.
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".prescreen-probe-"):
            return True
    except OSError:
        return False

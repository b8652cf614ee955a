"""Value sets and code matching: by stem for ICD-10, exact for SNOMED/RxNorm, prefix for ATC."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from fhir_ingest.facts import Coding

SNOMED = "http://snomed.info/sct"


def code_family(coding: Coding) -> str | None:
    s = coding.system.lower()
    if "icd-o" in s or "icdo" in s:
        return "icdo3"
    if "icd-10" in s or "icd10" in s:
        return "icd10"
    if s == SNOMED or "snomed" in s:
        return "snomed"
    if "atc" in s or "whocc" in s:
        return "atc"
    if "rxnorm" in s:
        return "rxnorm"
    if "loinc" in s:
        return "loinc"
    if re.fullmatch(r"\d{4}/\d", coding.code):
        return "icdo3"
    return None


@lru_cache(maxsize=65536)
def icd_key(code: str) -> str:
    """'C22.100x001' -> 'C22100': no dot, no national extension, upper case."""
    c = code.strip().upper().split("X0")[0] if "X0" in code.upper() else code.strip().upper()
    c = re.split(r"[^A-Z0-9.]", c)[0]
    return c.replace(".", "")


@lru_cache(maxsize=65536)
def _icd_matches(code: str, spec: str) -> bool:
    key = icd_key(code)
    if "-" in spec:
        lo, hi = (icd_key(s) for s in spec.split("-"))
        n = len(lo)
        return len(key) >= n and lo <= key[:n] <= hi
    return key.startswith(icd_key(spec))


_MORPHOLOGY = re.compile(r"(\d{4})/(\d)")
_TOPOGRAPHY = re.compile(r"C\d\d(?:\.?\d)?")


def _morphology_key(code: str) -> tuple[int, int] | None:
    m = _MORPHOLOGY.fullmatch(code.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def _morphology_matches(code: str, spec: str) -> bool:
    key = _morphology_key(code)
    if key is None:
        return False
    if "-" in spec:
        lo, hi = (_morphology_key(s) for s in spec.split("-"))
        return lo is not None and hi is not None and lo[1] == key[1] == hi[1] and lo[0] <= key[0] <= hi[0]
    return key == _morphology_key(spec)


def is_topography(c: Coding) -> bool:
    """An ICD-O-3 topography code (C22.0 liver): a site, never a diagnosis."""
    return code_family(c) == "icdo3" and bool(_TOPOGRAPHY.fullmatch(c.code.strip().upper()))


@dataclass(frozen=True)
class ValueSet:
    name: str
    icd10: tuple[str, ...] = ()
    snomed: frozenset[str] = frozenset()
    icdo3: tuple[str, ...] = ()
    topography: tuple[str, ...] = ()
    atc: tuple[str, ...] = ()
    rxnorm: frozenset[str] = frozenset()
    names: tuple[str, ...] = field(default=())

    @classmethod
    def from_dict(cls, name: str, d: dict) -> ValueSet:
        return cls(
            name=name,
            icd10=tuple(d.get("icd10", ())),
            snomed=frozenset(map(str, d.get("snomed", ()))),
            icdo3=tuple(d.get("icdo3", ())),
            topography=tuple(d.get("topography", ())),
            atc=tuple(a.upper() for a in d.get("atc", ())),
            rxnorm=frozenset(map(str, d.get("rxnorm", ()))),
            names=tuple(n.lower() for n in d.get("names", ())),
        )

    def match_coding(self, c: Coding) -> bool:
        fam = code_family(c)
        if fam == "icd10":
            return any(_icd_matches(c.code, s) for s in self.icd10)
        if is_topography(c):
            # A site: read only against topography lists, never as an ICD-10 diagnosis.
            return any(_icd_matches(c.code, s) for s in self.topography)
        if fam == "icdo3":
            return any(_morphology_matches(c.code, s) for s in self.icdo3)
        if fam == "snomed":
            return c.code in self.snomed
        if fam == "atc":
            return any(c.code.upper().startswith(a) for a in self.atc)
        if fam == "rxnorm":
            return c.code in self.rxnorm
        return False

    def match_name(self, words: tuple[str, ...] | list[str]) -> str | None:
        for w in words:
            for n in self.names:
                if n in w:
                    return n
        return None

    def first(self, codings: tuple[Coding, ...], words: tuple[str, ...] = ()) -> str | None:
        """What matched: 'system|code' or 'name', or None."""
        for c in codings:
            if self.match_coding(c):
                return f"{c.code}"
        name = self.match_name(words)
        return name


def load_valuesets(raw: dict) -> dict[str, ValueSet]:
    return {name: ValueSet.from_dict(name, spec) for name, spec in raw.items()}

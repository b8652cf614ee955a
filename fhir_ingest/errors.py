"""Errors of the FHIR ingester, each with a one-line message fit for stderr.

Rule: no patient data in messages. A message names the request (method and the path
relative to the server's base, query values elided) and the server's OperationOutcome
text; never a response body.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# OperationOutcome text is echoed to users; keep it to one short line.
_MAX_OUTCOME_CHARS = 300


class IngestError(Exception):
    """Base of everything fhir_ingest raises on purpose (the CLI catches this one)."""


class PatientNotFound(IngestError):
    """The source holds no patient with that id."""

    def __init__(self, patient_id: str, source: str) -> None:
        self.patient_id = patient_id
        self.source = source
        super().__init__(f"patient {patient_id!r} not found in {source}")


class FhirError(IngestError):
    """A FHIR request failed. `status` is None when no HTTP answer came back."""

    def __init__(
        self,
        status: int | None,
        url: str,
        outcome_text: str = "",
        *,
        method: str = "GET",
        base_url: str | None = None,
        reason: str = "",
    ) -> None:
        self.status = status
        self.url = url
        self.method = method
        self.outcome_text = outcome_text
        self.reason = reason
        self._shown_url = describe_url(url, base_url)
        super().__init__(str(self))

    def _head(self) -> str:
        if self.status is None:
            return f"FHIR server unreachable on {self.method} {self._shown_url}"
        return f"FHIR server error {self.status} on {self.method} {self._shown_url}"

    def __str__(self) -> str:
        detail = "; ".join(x for x in (self.outcome_text, self.reason) if x)
        return f"{self._head()}: {detail}" if detail else self._head()


class FhirUnreachable(FhirError):
    """Connection refused, name not resolved, or timed out, after the allowed retries."""


class FhirNotFound(FhirError):
    """404 Not Found or 410 Gone."""


class FhirAuthError(FhirError):
    """401/403 from the FHIR server, or the token endpoint refused us."""


class FhirBadResponse(FhirError):
    """The answer was not what FHIR promises: not JSON, truncated, or not a Bundle."""

    def _head(self) -> str:
        status = f" (HTTP {self.status})" if self.status is not None else ""
        return f"bad FHIR response{status} on {self.method} {self._shown_url}"


def describe_url(url: str, base_url: str | None = None) -> str:
    """`url` relative to the base, with query values elided.

    Query values can hold patient ids and long code lists; the parameter names are
    enough to say which request failed.
    """
    parts = urlsplit(url)
    path = parts.path
    if base_url:
        base_path = urlsplit(base_url).path.rstrip("/")
        if path.startswith(base_path):
            path = path[len(base_path):]
    path = path.lstrip("/")
    if parts.query:
        names = []
        for name, _value in parse_qsl(parts.query, keep_blank_values=True):
            if name not in names:
                names.append(name)
        path += "?" + "&".join(f"{n}=…" for n in names)
    return path or "/"


def outcome_text_of(body: Any) -> str:
    """The issue diagnostics/details text of an OperationOutcome, joined; '' otherwise."""
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return ""
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return ""
    texts: list[str] = []
    for issue in body.get("issue") or []:
        if not isinstance(issue, dict):
            continue
        details = issue.get("details")
        details_text = details.get("text") if isinstance(details, dict) else None
        for text in (issue.get("diagnostics"), details_text):
            if isinstance(text, str) and text.strip() and text.strip() not in texts:
                texts.append(text.strip())
    joined = " ".join("; ".join(texts).split())  # one line
    if len(joined) > _MAX_OUTCOME_CHARS:
        joined = joined[: _MAX_OUTCOME_CHARS - 1] + "…"
    return joined

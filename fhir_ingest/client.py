"""A small FHIR R4 REST client: read, search with paging, retries, auth, named errors.

Logging rule: no patient data. DEBUG lines carry the method, the resource type, the
status and the time taken; never ids, query values or bodies.
"""

from __future__ import annotations

import email.utils
import importlib.metadata
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from .errors import (
    FhirAuthError,
    FhirBadResponse,
    FhirError,
    FhirNotFound,
    FhirUnreachable,
    outcome_text_of,
)

log = logging.getLogger(__name__)



def _version() -> str:
    try:
        return importlib.metadata.version("prescreen")
    except importlib.metadata.PackageNotFoundError:
        return "dev"


USER_AGENT = f"prescreen/{_version()} (fhir_ingest)"
ACCEPT = "application/fhir+json, application/json;q=0.9"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_PAGES = 10_000  # a runaway server must not keep us paging forever

SearchParams = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Delays: backoff_base * 2**attempt, capped, with 'equal jitter'."""

    max_retries: int = 4
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    retry_after_cap: float = 30.0
    # A refused connection or unknown host rarely heals within seconds: retry it less,
    # so `prescreen check` against a wrong URL fails fast.
    max_connect_retries: int = 1
    seed: int = 0
    retry_statuses: frozenset[int] = RETRY_STATUSES
    # Methods safe to send again. A conditional create/update (PUT with a search, POST with
    # If-None-Exist) is idempotent: callers that send only those add PUT/POST here.
    retry_methods: frozenset[str] = IDEMPOTENT


class FhirClient:
    """FHIR R4 client over one `requests.Session`.

    >>> c = FhirClient("http://127.0.0.1:8090/fhir")
    >>> patient = c.read("Patient", "icc-001")
    >>> for obs in c.search("Observation", {"patient": "icc-001", "_count": "100"}): ...
    """

    def __init__(
        self,
        base_url: str,
        auth: requests.auth.AuthBase | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        max_retries: int = 4,
        backoff_base: float = 0.25,
        backoff_cap: float = 8.0,
        retry_after_cap: float = 30.0,
        user_agent: str = USER_AGENT,
        *,
        max_connect_retries: int = 1,
        seed: int = 0,
        pool_size: int = 16,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("FHIR base URL must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.policy = RetryPolicy(
            max_retries=max_retries,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            retry_after_cap=retry_after_cap,
            max_connect_retries=min(max_connect_retries, max_retries),
            seed=seed,
        )
        # Seeded so test runs and re-runs back off identically; the lock (also for the
        # counters) because batch screening shares one client between threads.
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._sleep = sleep
        self.session = requests.Session()
        # No urllib3-level retries: this class decides what to retry and says so.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Accept": ACCEPT, "User-Agent": user_agent})
        self.session.auth = auth
        if auth is not None and hasattr(auth, "set_fhir_base"):
            auth.set_fhir_base(self.base_url)
        self._anonymous: requests.Session | None = None  # for hosts that must not get our token
        self.requests_sent = 0  # attempts on the wire, retries included
        self.retries = 0

    # --- context manager -------------------------------------------------------------

    def close(self) -> None:
        self.session.close()
        if self._anonymous is not None:
            self._anonymous.close()

    def __enter__(self) -> FhirClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- public API ------------------------------------------------------------------

    def read(self, resource_type: str, resource_id: str) -> dict:
        """GET [base]/{type}/{id}. FhirNotFound on 404/410."""
        url = f"{self.base_url}/{quote(resource_type, safe='')}/{quote(resource_id, safe='')}"
        body = self.get_json(url)
        if body.get("resourceType") != resource_type:
            raise FhirBadResponse(
                200, url, base_url=self.base_url, reason=f"expected a {resource_type}"
            )
        return body

    def search(
        self, resource_type: str, params: SearchParams | None = None
    ) -> Iterator[dict]:
        """Every resource of every page (search modes match and include), in server order.

        Follows Bundle.link[relation=next] until there is none. Entries whose resource is
        not a JSON object are yielded as they are, for the caller's validation to report.
        """
        for bundle in self.search_pages(resource_type, params):
            yield from _bundle_resources(bundle)

    def search_pages(
        self, resource_type: str, params: SearchParams | None = None
    ) -> Iterator[dict]:
        """Each searchset Bundle page, first to last."""
        url = f"{self.base_url}/{quote(resource_type, safe='')}"
        query = _as_pairs(params)
        seen: set[str] = set()
        page = 0
        while url:
            bundle = self.get_json(url, params=query, kind=resource_type)
            if bundle.get("resourceType") != "Bundle":
                raise FhirBadResponse(200, url, base_url=self.base_url, reason="not a Bundle")
            if not isinstance(bundle.get("entry", []), list):
                raise FhirBadResponse(200, url, base_url=self.base_url, reason="entry not a list")
            yield bundle
            page += 1
            next_url = self._next_link(bundle, url)
            if next_url is None:
                return
            if next_url in seen or page >= MAX_PAGES:
                # The server sent us round in circles; stopping silently would hide data.
                raise FhirBadResponse(
                    200, next_url, base_url=self.base_url, reason="paging loop in next links"
                )
            seen.add(next_url)
            url, query = next_url, None  # the next link already holds the whole query

    def get_json(
        self,
        url: str,
        params: SearchParams | None = None,
        *,
        kind: str | None = None,
    ) -> dict:
        """GET a URL (absolute, or relative to the base) and return its JSON object."""
        resp = self.request("GET", url, params=params, kind=kind)
        return self._json_of(resp)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: SearchParams | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        check: bool = True,
        policy: RetryPolicy | None = None,
        send_auth: bool = True,
        kind: str | None = None,
        data: bytes | None = None,
    ) -> requests.Response:
        """One HTTP exchange under the retry policy (the client's, or `policy`).

        `url` is absolute or relative to the base. With `send_auth` (the default) the URL
        must be on our server: our credentials never go to another host. With
        `send_auth=False` it goes out on a session without them (Bulk Data file servers).
        With `check`, an error status raises the FhirError that names it; without, the
        response is returned whatever its status (after retries).
        """
        if not url.startswith(("http://", "https://")):
            url = f"{self.base_url}/{url.lstrip('/')}"
        if send_auth:
            self._check_same_server(url)
            session = self.session
        else:
            session = self._plain_session()
        return self._send(
            method,
            url,
            params=_as_pairs(params),
            headers=headers,
            stream=stream,
            check=check,
            policy=policy or self.policy,
            session=session,
            kind=kind or _kind_of(url, self),
            data=data,
        )

    def same_server(self, url: str) -> bool:
        ours, theirs = urlsplit(self.base_url), urlsplit(url)
        return (ours.scheme, ours.netloc.lower()) == (theirs.scheme, theirs.netloc.lower())

    # --- internals -------------------------------------------------------------------

    def _plain_session(self) -> requests.Session:
        with self._rng_lock:
            if self._anonymous is None:
                self._anonymous = requests.Session()
                self._anonymous.headers.update({"User-Agent": self.session.headers["User-Agent"]})
            return self._anonymous

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: list[tuple[str, str]] | None,
        headers: Mapping[str, str] | None,
        stream: bool,
        check: bool,
        policy: RetryPolicy,
        session: requests.Session,
        kind: str,
        data: bytes | None = None,
    ) -> requests.Response:
        retryable = method in policy.retry_methods
        attempt = 0
        connect_failures = 0
        while True:
            started = time.monotonic()
            with self._rng_lock:
                self.requests_sent += 1
            try:
                resp = session.request(
                    method,
                    url,
                    params=params,
                    headers=headers,
                    stream=stream,
                    timeout=self.timeout,
                    data=data,
                )
            except requests.RequestException as e:
                elapsed = time.monotonic() - started
                failure, never_connected = _describe_transport_error(e)
                log.debug("%s %s failed: %s after %.3fs", method, kind, failure, elapsed)
                if never_connected:
                    connect_failures += 1
                give_up = (
                    not retryable
                    or attempt >= policy.max_retries
                    or connect_failures > min(policy.max_connect_retries, policy.max_retries)
                )
                if give_up:
                    raise FhirUnreachable(
                        None,
                        e.request.url if e.request is not None and e.request.url else url,
                        method=method,
                        base_url=self.base_url,
                        reason=f"{failure} (after {attempt + 1} attempt"
                        f"{'s' if attempt else ''})",
                    ) from e
                delay = self._backoff(attempt, policy)
            else:
                elapsed = time.monotonic() - started
                log.debug("%s %s %s %.3fs", method, kind, resp.status_code, elapsed)
                if resp.status_code < 400 and resp.status_code not in policy.retry_statuses:
                    return resp
                if not (retryable and resp.status_code in policy.retry_statuses) or (
                    attempt >= policy.max_retries
                ):
                    if not check:
                        return resp
                    raise self._error_for(method, resp)
                retry_after = retry_after_seconds(resp.headers.get("Retry-After"))
                if retry_after is not None:
                    delay = min(retry_after, policy.retry_after_cap)
                else:
                    delay = self._backoff(attempt, policy)
                resp.close()
                failure = f"HTTP {resp.status_code}"
            attempt += 1
            with self._rng_lock:
                self.retries += 1
            log.info(
                "%s %s: %s; retry %d/%d in %.2fs",
                method, kind, failure, attempt, policy.max_retries, delay,
            )
            self._sleep(delay)

    def _backoff(self, attempt: int, policy: RetryPolicy | None = None) -> float:
        policy = policy or self.policy
        ceiling = min(policy.backoff_cap, policy.backoff_base * (2**attempt))
        with self._rng_lock:
            return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _error_for(self, method: str, resp: requests.Response) -> FhirError:
        cls: type[FhirError] = FhirError
        if resp.status_code in (401, 403):
            cls = FhirAuthError
        elif resp.status_code in (404, 410):
            cls = FhirNotFound
        text = outcome_text_of(resp.content)
        if not text and resp.status_code in (401, 403):
            text = "unauthorized" if resp.status_code == 401 else "forbidden"
            if resp.status_code == 401 and self.session.auth is None:
                text += " (no access token given: set PRESCREEN_FHIR_TOKEN or configure auth)"
        return cls(resp.status_code, resp.url, text, method=method, base_url=self.base_url)

    def _json_of(self, resp: requests.Response) -> dict:
        ctype = resp.headers.get("Content-Type", "")
        try:
            body = resp.json()
        except ValueError:
            what = "truncated or invalid JSON" if "json" in ctype else f"non-JSON ({ctype or '?'})"
            raise FhirBadResponse(
                resp.status_code, resp.url, method="GET", base_url=self.base_url, reason=what
            ) from None
        if not isinstance(body, dict):
            raise FhirBadResponse(
                resp.status_code, resp.url, base_url=self.base_url, reason="JSON is not an object"
            )
        return body

    def _next_link(self, bundle: dict, current_url: str) -> str | None:
        for link in bundle.get("link") or []:
            if isinstance(link, dict) and link.get("relation") == "next":
                href = link.get("url")
                if isinstance(href, str) and href.strip():
                    # Relative links resolve against the base (HAPI: "?_getpages=...").
                    if href.startswith(("http://", "https://")):
                        return href
                    if href.startswith("?"):
                        return self.base_url + href
                    return urljoin(self.base_url + "/", href.lstrip("/"))
        return None

    def _check_same_server(self, url: str) -> None:
        # Our Authorization header goes with every request: never send it to a host the
        # server's paging links name but we were not configured for.
        if not self.same_server(url):
            theirs = urlsplit(url)
            raise FhirBadResponse(
                None,
                url,
                base_url=self.base_url,
                reason=f"link points to another server ({theirs.scheme}://{theirs.netloc}); "
                "is the FHIR server's public base address configured?",
            )


def _as_pairs(params: SearchParams | None) -> list[tuple[str, str]] | None:
    if params is None:
        return None
    if isinstance(params, Mapping):
        pairs: list[tuple[str, str]] = []
        for k, v in params.items():
            if isinstance(v, str):
                pairs.append((k, v))
            else:
                pairs.extend((k, str(x)) for x in v)
        return pairs
    return [(str(k), str(v)) for k, v in params]


def _bundle_resources(bundle: dict) -> Iterator[Any]:
    for entry in bundle.get("entry") or []:
        if not isinstance(entry, dict):
            yield entry  # reported by validation downstream
            continue
        search = entry.get("search")
        mode = search.get("mode") if isinstance(search, dict) else None
        if mode == "outcome":
            # Warnings about the search itself (e.g. an ignored parameter), not patient data.
            log.debug("search returned an OperationOutcome entry")
            continue
        if "resource" in entry:
            yield entry["resource"]


def _kind_of(url: str, client: FhirClient) -> str:
    """The resource type a URL is about, for logs ('page' for paging cursors)."""
    path = urlsplit(url).path
    base_path = urlsplit(client.base_url).path.rstrip("/")
    rest = path[len(base_path):].strip("/") if path.startswith(base_path) else path.strip("/")
    first = rest.split("/", 1)[0]
    return first if first[:1].isupper() else ("page" if not first else first)


def _describe_transport_error(e: requests.RequestException) -> tuple[str, bool]:
    """A short cause, and whether the connection was never established."""
    if isinstance(e, requests.ConnectTimeout):
        return "connect timed out", False
    if isinstance(e, requests.ReadTimeout):
        return "read timed out", False
    # ChunkedEncodingError is a RequestException, not a ConnectionError: test it on its own.
    if isinstance(e, requests.exceptions.ChunkedEncodingError):
        return "connection broken mid-response", False
    if isinstance(e, requests.ConnectionError):
        cause = e.args[0] if e.args else None
        reason = cause.reason if isinstance(cause, MaxRetryError) else cause
        if isinstance(reason, NameResolutionError):
            return "host name not resolved", True
        if isinstance(reason, NewConnectionError):
            return "connection refused", True
        return "connection reset or closed", False
    return type(e).__name__, False


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


__all__ = ["FhirClient", "RetryPolicy", "SearchParams", "USER_AGENT", "retry_after_seconds"]

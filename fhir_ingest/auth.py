"""Authorization for FHIR requests: a fixed bearer token, or SMART Backend Services.

Both are `requests.auth.AuthBase`, so `FhirClient(auth=...)` (or any requests call) uses
them. SMART Backend Services (client-confidential-asymmetric): we sign a short-lived
client assertion JWT with our private key, trade it at the token endpoint for an access
token (client_credentials grant), cache that token until shortly before it expires, and
fetch a fresh one once if the FHIR server still answers 401.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

import jwt
import requests
from requests.auth import AuthBase

from .errors import FhirAuthError, FhirBadResponse, FhirUnreachable

log = logging.getLogger(__name__)

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_S = 300  # SMART: exp no more than five minutes in the future
EXPIRY_MARGIN_S = 60  # refresh this long before the token runs out (clock skew, slow calls)
DEFAULT_TOKEN_LIFETIME_S = 300  # when the token response gives no expires_in


class BearerToken(AuthBase):
    """A token we were given (e.g. PRESCREEN_FHIR_TOKEN)."""

    def __init__(self, token: str) -> None:
        if not token or any(c in token for c in "\r\n"):
            raise ValueError("bearer token must be a non-empty single line")
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r

    def __repr__(self) -> str:  # never print the token
        return "BearerToken(***)"


class SmartBackendServices(AuthBase):
    """SMART Backend Services client (asymmetric client authentication).

    token_url None: discovered from `[fhir_base]/.well-known/smart-configuration`;
    FhirClient supplies fhir_base through `set_fhir_base` when it is not given here.
    """

    def __init__(
        self,
        client_id: str,
        private_key_pem: str | bytes,
        key_id: str,
        alg: str = "RS384",
        scope: str = "system/*.read",
        token_url: str | None = None,
        *,
        fhir_base: str | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        session: requests.Session | None = None,
    ) -> None:
        if alg not in ("RS384", "ES384"):
            raise ValueError("alg must be RS384 or ES384 (the SMART Backend Services algorithms)")
        self.client_id = client_id
        self.private_key_pem = private_key_pem
        self.key_id = key_id
        self.alg = alg
        self.scope = scope
        self.token_url = token_url
        self.fhir_base = fhir_base.rstrip("/") if fhir_base else None
        self.timeout = timeout
        # Its own session: token calls carry no FHIR Authorization and never recurse here.
        self._session = session or requests.Session()
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.token_requests = 0  # how many tokens we fetched (tests, diagnostics)

    def __repr__(self) -> str:
        return f"SmartBackendServices(client_id={self.client_id!r}, alg={self.alg})"

    def set_fhir_base(self, base_url: str) -> None:
        if not self.fhir_base:
            self.fhir_base = base_url.rstrip("/")

    # --- requests.auth.AuthBase -------------------------------------------------------

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.access_token()}"
        r.register_hook("response", self._retry_on_401)
        return r

    def _retry_on_401(self, resp: requests.Response, **kwargs: Any) -> requests.Response:
        # The server may have revoked or expired our token early: fetch one new token
        # and resend once. The resent request carries no hook, so this cannot loop.
        if resp.status_code != 401:
            return resp
        sent_with = resp.request.headers.get("Authorization", "")
        self.invalidate(sent_with.removeprefix("Bearer "))
        resp.content  # drain so the connection can be reused  # noqa: B018
        resp.close()
        prep = resp.request.copy()
        prep.headers["Authorization"] = f"Bearer {self.access_token()}"
        prep.hooks = {"response": []}
        retry = resp.connection.send(prep, **kwargs)
        retry.history.append(resp)
        retry.request = prep
        log.debug("FHIR answered 401; retried once with a new access token")
        return retry

    # --- tokens ----------------------------------------------------------------------

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still `token`, when given)."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None
                self._expires_at = 0.0

    def access_token(self) -> str:
        with self._lock:
            if self._token and time.time() < self._expires_at - EXPIRY_MARGIN_S:
                return self._token
            token, lifetime = self._fetch_token()
            self._token = token
            self._expires_at = time.time() + lifetime
            return token

    def client_assertion(self, token_url: str) -> str:
        """The signed JWT that authenticates us at the token endpoint."""
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": token_url,
            "exp": now + ASSERTION_LIFETIME_S,
            "iat": now,
            "jti": uuid.uuid4().hex,  # unique per assertion: servers refuse replays
        }
        headers = {"kid": self.key_id, "typ": "JWT"}
        return jwt.encode(claims, self.private_key_pem, algorithm=self.alg, headers=headers)

    def discover_token_url(self) -> str:
        if self.token_url:
            return self.token_url
        if not self.fhir_base:
            raise ValueError("SmartBackendServices needs token_url or a FHIR base to discover it")
        url = f"{self.fhir_base}/.well-known/smart-configuration"
        resp = self._post_or_get("GET", url, headers={"Accept": "application/json"})
        if resp.status_code != 200:
            raise FhirAuthError(resp.status_code, url, reason="SMART configuration not available")
        try:
            conf = resp.json()
        except ValueError:
            raise FhirBadResponse(
                resp.status_code, url, reason="SMART configuration is not JSON"
            ) from None
        token_url = conf.get("token_endpoint") if isinstance(conf, dict) else None
        if not isinstance(token_url, str) or not token_url:
            raise FhirBadResponse(resp.status_code, url, reason="no token_endpoint advertised")
        self.token_url = token_url
        return token_url

    def _fetch_token(self) -> tuple[str, float]:
        token_url = self.discover_token_url()
        form = {
            "grant_type": "client_credentials",
            "scope": self.scope,
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": self.client_assertion(token_url),
        }
        resp = self._post_or_get(
            "POST", token_url, data=form, headers={"Accept": "application/json"}
        )
        self.token_requests += 1
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code != 200:
            # OAuth errors carry error/error_description; they name no patient.
            reason = "token request refused"
            if isinstance(body, dict) and body.get("error"):
                reason = f"{body.get('error')}: {body.get('error_description', '')}".strip(": ")
            raise FhirAuthError(resp.status_code, token_url, method="POST", reason=reason)
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise FhirBadResponse(
                resp.status_code, token_url, method="POST", reason="no access_token in response"
            )
        try:
            lifetime = float(body.get("expires_in", DEFAULT_TOKEN_LIFETIME_S))
        except (TypeError, ValueError):
            lifetime = DEFAULT_TOKEN_LIFETIME_S
        log.debug("SMART access token obtained (expires in %.0f s)", lifetime)
        return body["access_token"], lifetime

    def _post_or_get(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self._session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as e:
            raise FhirUnreachable(
                None, url, method=method, reason="token endpoint timed out"
            ) from e
        except requests.ConnectionError as e:
            raise FhirUnreachable(
                None, url, method=method, reason="cannot connect to token endpoint"
            ) from e

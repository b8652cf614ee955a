"""Chat access tokens: HS256 JWTs with iss, aud, iat, exp, jti, sub, role (clinician | patient)
and, for a patient, the patient.

`prescreen token` prints one (development and tests) and revokes leaked ones; the Rasa channel
(bot/rasa_channel.py) verifies them. Checks: the algorithm is pinned (HS256, never `none` or a
key-confusion switch), issuer, audience, `iat` and `exp` required, a lifetime no longer than
MAX_TTL_HOURS, not issued in the future, not revoked; during a key change the previous key
still verifies (bot/access/keys.py). Only PyJWT and the standard library: both virtualenvs
import this module.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import jwt

from bot.access.keys import ensure_state_dir, state_dir, token_secret, verification_secrets

ALGORITHM = "HS256"
ISSUER = "prescreen"
AUDIENCE = "prescreen-chat"
ROLES = ("clinician", "patient")
DEFAULT_TTL_HOURS = 12.0
MAX_TTL_HOURS = 7 * 24.0  # a week: a portal invitation; anything longer is a standing credential
CLOCK_SKEW_SECONDS = 60
REVOKED_FILE_ENV = "PRESCREEN_REVOKED_TOKENS"


class InvalidToken(Exception):
    """The token is missing, badly signed, expired, revoked or malformed (message says which)."""


@dataclass(frozen=True)
class Claims:
    sub: str
    role: str
    patient: str | None = None  # the only patient a patient token may screen
    jti: str | None = None


def conversation_key(claims: Claims) -> str:
    """The conversation (Rasa sender id) of a token: role AND subject, so a clinician whose
    user name equals a patient token's subject never shares that patient's conversation."""
    return f"{claims.role}:{claims.sub}"


def patient_subject(patient_id: str, secret: str | None = None) -> str:
    """A patient conversation's key: stable for the patient, but not the patient id itself,
    so sender ids in Rasa's logs and tracker store name no patient."""
    digest = hmac.new((secret or token_secret()).encode(), patient_id.encode(), hashlib.sha256).hexdigest()
    return f"patient-{digest[:20]}"


def check_ttl(ttl_hours: float) -> int:
    """Lifetime in seconds, refusing non-numbers, infinities and anything beyond the cap."""
    if not isinstance(ttl_hours, (int, float)) or math.isnan(ttl_hours) or math.isinf(ttl_hours):
        raise ValueError("the lifetime must be a finite number of hours")
    if not 0 < ttl_hours <= MAX_TTL_HOURS:
        raise ValueError(f"the lifetime must be more than 0 and at most {MAX_TTL_HOURS:g} hours")
    return max(1, int(ttl_hours * 3600))


def issue(
    role: str,
    user: str | None = None,
    patient: str | None = None,
    ttl_hours: float = DEFAULT_TTL_HOURS,
    secret: str | None = None,
) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "clinician" and not user:
        raise ValueError("a clinician token needs --user NAME")
    if role == "patient" and not patient:
        raise ValueError("a patient token needs --patient ID")
    ttl = check_ttl(ttl_hours)
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ttl,
        "jti": secrets.token_urlsafe(12),
        "role": role,
    }
    if role == "clinician":
        claims["sub"] = str(user)
    else:
        claims["sub"] = patient_subject(str(patient), secret)
        claims["patient"] = str(patient)
    return jwt.encode(claims, secret or token_secret(), algorithm=ALGORITHM)


# --- revocation ----------------------------------------------------------------------------


def revoked_file() -> Path:
    return Path(os.environ.get(REVOKED_FILE_ENV) or state_dir() / "revoked-tokens")


_revoked_cache: tuple[tuple[str, float, int], frozenset[str]] | None = None


def revoked_ids() -> frozenset[str]:
    """Token ids (jti) revoked so far; re-read only when the file changes."""
    global _revoked_cache
    path = revoked_file()
    try:
        st = path.stat()
    except FileNotFoundError:
        return frozenset()
    key = (str(path), st.st_mtime, st.st_size)
    if _revoked_cache is None or _revoked_cache[0] != key:
        ids = frozenset(
            line.split("#", 1)[0].strip() for line in path.read_text(encoding="ascii").splitlines()
        ) - {""}
        _revoked_cache = (key, ids)
    return _revoked_cache[1]


def revoke(token_or_id: str) -> str:
    """Add a token's id to the revocation list (a token whose signature checks, or a bare jti).
    Returns the id. Revoked tokens are refused from the next request on, by every Rasa server
    reading the same file."""
    jti = token_or_id.strip()
    if jti.count(".") == 2:
        claims, _ = _decode(jti, verify_exp=False)
        jti = str(claims.get("jti") or "")
        if not jti:
            raise ValueError("the token has no id (issued before revocation existed); rotate the key")
    if not jti or any(c.isspace() or c == "#" for c in jti):
        raise ValueError("not a token id")
    path = revoked_file()
    if path.parent == state_dir():
        ensure_state_dir()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="ascii") as f:
        f.write(jti + "\n")
    return jti


# --- verification --------------------------------------------------------------------------


def _decode(token: str, secret: str | None = None, verify_exp: bool = True) -> tuple[dict, str]:
    """The verified claims and the key that verified them."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as e:
        raise InvalidToken(f"invalid token: {type(e).__name__}") from None
    if header.get("alg") != ALGORITHM:
        raise InvalidToken("invalid token: algorithm not allowed")
    last: Exception | None = None
    for key in [secret] if secret else verification_secrets():
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=CLOCK_SKEW_SECONDS if verify_exp else 0,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "role"], "verify_exp": verify_exp},
            )
            return claims, key
        except jwt.InvalidSignatureError as e:
            last = e  # perhaps signed with the previous key: try it
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token expired") from None
        except jwt.PyJWTError as e:
            raise InvalidToken(f"invalid token: {type(e).__name__}") from None
    raise InvalidToken(f"invalid token: {type(last).__name__}")


def verify(token: str, secret: str | None = None) -> Claims:
    claims, key = _decode(token, secret)
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, (int, float)) or not isinstance(exp, (int, float)):
        raise InvalidToken("invalid token: bad iat or exp")
    if iat > time.time() + CLOCK_SKEW_SECONDS:
        raise InvalidToken("invalid token: issued in the future")
    if exp - iat > MAX_TTL_HOURS * 3600:
        raise InvalidToken("invalid token: lifetime too long")
    jti = claims.get("jti")
    if jti is not None and not isinstance(jti, str):
        raise InvalidToken("invalid token: bad id")
    if jti and jti in revoked_ids():
        raise InvalidToken("token revoked")
    role, sub = claims.get("role"), claims.get("sub")
    if role not in ROLES or not isinstance(sub, str) or not sub:
        raise InvalidToken("invalid token: bad role or subject")
    patient = claims.get("patient")
    if role == "patient" and (not patient or sub != patient_subject(str(patient), key)):
        raise InvalidToken("invalid token: patient token without its patient")
    return Claims(sub=sub, role=role, patient=patient if role == "patient" else None, jti=jti)

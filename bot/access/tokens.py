"""Chat access tokens: HS256 JWTs with sub, role (clinician | patient), patient, exp.

`prescreen token` prints one (development and tests); the Rasa channel (bot/rasa_channel.py)
verifies them. Only PyJWT and the standard library: both virtualenvs import this module.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

import jwt

from bot.access.keys import token_secret

ALGORITHM = "HS256"
ISSUER = "prescreen"
AUDIENCE = "prescreen-chat"
ROLES = ("clinician", "patient")
DEFAULT_TTL_HOURS = 12.0


class InvalidToken(Exception):
    """The token is missing, badly signed, expired or malformed (message says which)."""


@dataclass(frozen=True)
class Claims:
    sub: str
    role: str
    patient: str | None = None  # the only patient a patient token may screen


def patient_subject(patient_id: str, secret: str | None = None) -> str:
    """A patient conversation's key: stable for the patient, but not the patient id itself,
    so sender ids in Rasa's logs and tracker store name no patient."""
    digest = hmac.new((secret or token_secret()).encode(), patient_id.encode(), hashlib.sha256).hexdigest()
    return f"patient-{digest[:20]}"


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
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + int(ttl_hours * 3600), "role": role}
    if role == "clinician":
        claims["sub"] = str(user)
    else:
        claims["sub"] = patient_subject(str(patient), secret)
        claims["patient"] = str(patient)
    return jwt.encode(claims, secret or token_secret(), algorithm=ALGORITHM)


def verify(token: str, secret: str | None = None) -> Claims:
    try:
        claims = jwt.decode(
            token,
            secret or token_secret(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "role"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("token expired") from None
    except jwt.PyJWTError as e:
        raise InvalidToken(f"invalid token: {type(e).__name__}") from None
    role, sub = claims.get("role"), claims.get("sub")
    if role not in ROLES or not isinstance(sub, str) or not sub:
        raise InvalidToken("invalid token: bad role or subject")
    patient = claims.get("patient")
    if role == "patient" and (not patient or sub != patient_subject(str(patient), secret)):
        raise InvalidToken("invalid token: patient token without its patient")
    return Claims(sub=sub, role=role, patient=patient if role == "patient" else None)

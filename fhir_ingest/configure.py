"""Building a record source from settings: a folder, or a FHIR server with auth from the
environment. The one place every channel (check, batch, serve, the action server) gets
its source from, so they all read the same flags and variables the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from .auth import BearerToken, SmartBackendServices
from .client import FhirClient
from .dir_source import DirSource
from .errors import IngestError
from .facts import observation_codes, observation_texts
from .server_source import ServerSource

FHIR_BASE_ENV = "PRESCREEN_FHIR_BASE"
FHIR_DIR_ENV = "PRESCREEN_FHIR_DIR"


class SourceConfigError(IngestError):
    """The settings name no usable source (one line, fit for stderr)."""


def auth_from_env(env: Mapping[str, str] | None = None):
    """SMART Backend Services, a bearer token, or None, from PRESCREEN_* variables."""
    env = os.environ if env is None else env
    if env.get("PRESCREEN_SMART_CLIENT_ID"):
        key_path = env.get("PRESCREEN_SMART_KEY")
        if not key_path or not Path(key_path).is_file():
            raise SourceConfigError("PRESCREEN_SMART_KEY must name the client's private key (PEM) file")
        return SmartBackendServices(
            client_id=env["PRESCREEN_SMART_CLIENT_ID"],
            private_key_pem=Path(key_path).read_text(),
            key_id=env.get("PRESCREEN_SMART_KID", ""),
            alg=env.get("PRESCREEN_SMART_ALG", "RS384"),
            scope=env.get("PRESCREEN_SMART_SCOPE", "system/*.read"),
            token_url=env.get("PRESCREEN_SMART_TOKEN_URL") or None,
        )
    if env.get("PRESCREEN_FHIR_TOKEN"):
        return BearerToken(env["PRESCREEN_FHIR_TOKEN"])
    return None


def server_source(base: str, env: Mapping[str, str] | None = None) -> ServerSource:
    try:
        client = FhirClient(base, auth=auth_from_env(env))
    except ValueError as e:
        raise SourceConfigError(str(e)) from None
    return ServerSource(client, observation_codes=observation_codes(), observation_text=observation_texts())


def folder_source(path: str | os.PathLike[str]) -> DirSource:
    if not Path(path).is_dir():
        raise SourceConfigError(f"--fhir-dir {path}: no such folder")
    return DirSource(path)


def configured_base(fhir_base: str | None, env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    return fhir_base or env.get(FHIR_BASE_ENV) or None


def open_source(
    fhir_base: str | None = None,
    fhir_dir: str | None = None,
    env: Mapping[str, str] | None = None,
) -> DirSource | ServerSource:
    """The source the settings name: `fhir_dir`, else `fhir_base` or $PRESCREEN_FHIR_BASE."""
    if fhir_dir:
        return folder_source(fhir_dir)
    base = configured_base(fhir_base, env)
    if not base:
        raise SourceConfigError("give --fhir-base URL or --fhir-dir DIR (or set PRESCREEN_FHIR_BASE)")
    return server_source(base, env)


def source_from_env(env: Mapping[str, str] | None = None) -> DirSource | ServerSource:
    """The source a long-running process was started with ($PRESCREEN_FHIR_DIR or _BASE)."""
    env = os.environ if env is None else env
    return open_source(None, env.get(FHIR_DIR_ENV), env)




# The embedded default: the synthetic ICC cohort (data/synthetic), valid as of its date.
DEMO_AS_OF = "2026-11-24"


def demo_folder() -> Path:
    """The synthetic cohort's FHIR folder (tools/generate_cohort.py writes it), shipped as
    package data of `prescreen_data`."""
    return Path(str(resources.files("prescreen_data").joinpath("synthetic", "bundles")))


def demo_source() -> DirSource:
    folder = demo_folder()
    if not folder.is_dir():
        raise SourceConfigError(f"the synthetic cohort is missing: {folder}")
    return DirSource(folder)


__all__ = [
    "DEMO_AS_OF",
    "FHIR_BASE_ENV",
    "FHIR_DIR_ENV",
    "SourceConfigError",
    "auth_from_env",
    "configured_base",
    "demo_folder",
    "demo_source",
    "folder_source",
    "open_source",
    "server_source",
    "source_from_env",
]

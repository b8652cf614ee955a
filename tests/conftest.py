"""Shared test fixtures: one real HAPI FHIR server per test run, loaded with the cohort.

The server is our own HAPI JPA application (fhir_server/), started once on a loopback port
with a bearer token and a SMART Backend Services client registered, and stopped at the end.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

REPO = Path(__file__).resolve().parent.parent
COHORT = REPO / "data" / "synthetic" / "bundles"
AS_OF = "2026-11-24"


@dataclass(frozen=True)
class SmartClient:
    client_id: str
    private_key_pem: str
    key_id: str
    alg: str = "RS384"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smart_client() -> SmartClient:
    """A SMART Backend Services client whose public key the test HAPI server trusts."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return SmartClient(client_id="prescreen-tests", private_key_pem=pem, key_id="test-key-1")


@pytest.fixture(scope="session")
def fhir_server(tmp_path_factory, smart_client):
    """(base URL, token) of a running HAPI loaded with the synthetic cohort."""
    run_dir = tmp_path_factory.mktemp("hapi")
    jwks = run_dir / "jwks.json"
    key = serialization.load_pem_private_key(smart_client.private_key_pem.encode(), None)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": smart_client.key_id, "alg": smart_client.alg, "use": "sig"})
    jwks.write_text(json.dumps({"keys": [jwk]}))
    port = int(os.environ.get("PRESCREEN_TEST_FHIR_PORT") or _free_port())
    token = secrets.token_urlsafe(24)
    env = dict(
        os.environ,
        PRESCREEN_FHIR_PORT=str(port),
        PRESCREEN_FHIR_TOKEN=token,
        PRESCREEN_FHIR_RUN_DIR=str(run_dir),
        PRESCREEN_FHIR_SMART_JWKS=str(jwks),
        PRESCREEN_FHIR_SMART_CLIENT_ID=smart_client.client_id,
    )
    env.pop("PRESCREEN_FHIR_DB_DIR", None)
    start = subprocess.run(
        ["bash", str(REPO / "fhir_server" / "start.sh")], env=env, capture_output=True, text=True
    )
    if start.returncode != 0:
        pytest.fail(f"HAPI FHIR did not start:\n{start.stdout}\n{start.stderr}")
    print(start.stdout.strip(), file=sys.stderr)
    base = f"http://127.0.0.1:{port}/fhir"
    try:
        load = subprocess.run(
            [
                sys.executable,
                str(REPO / "tools" / "load_fhir.py"),
                str(COHORT),
                "--fhir-base",
                base,
                # One argument: a token may begin with "-" (argparse would read it as an option).
                f"--token={token}",
            ],
            capture_output=True,
            text=True,
        )
        if load.returncode != 0:
            pytest.fail(f"loading the cohort failed:\n{load.stdout}\n{load.stderr}")
        yield base, token
    finally:
        subprocess.run(["bash", str(REPO / "fhir_server" / "stop.sh")], env=env, capture_output=True)


@pytest.fixture(scope="session")
def fhir_base(fhir_server) -> str:
    return fhir_server[0]


@pytest.fixture(scope="session")
def fhir_token(fhir_server) -> str:
    return fhir_server[1]


@pytest.fixture(scope="session", autouse=True)
def _screening_log_off_by_default():
    """Tests of other features run without the screening log (actions/answer_log.py): each
    conversation stands alone and nothing is written to the user's state directory. The tests
    in tests/answers turn it on, with a store of their own."""
    saved = os.environ.get("PRESCREEN_SCREENING_LOG")
    os.environ["PRESCREEN_SCREENING_LOG"] = "off"
    yield
    if saved is None:
        os.environ.pop("PRESCREEN_SCREENING_LOG", None)
    else:
        os.environ["PRESCREEN_SCREENING_LOG"] = saved

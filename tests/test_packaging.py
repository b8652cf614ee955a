"""The package ships what it needs at run time: every package, the trial data, the search plan,
the lab catalogue, the synthetic cohort and the chat's training data (pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomli as tomllib  # tomllib arrives in Python 3.11

REPO = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_python_package_is_listed():
    listed = set(SETUPTOOLS["packages"])
    roots = {p.split(".")[0] for p in listed} - {"prescreen_data"}
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for root in roots
        for init in (REPO / root).rglob("__init__.py")
    }
    assert found <= listed, f"not in pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            str(REPO),
            "-w",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return zipfile.ZipFile(next(out.glob("prescreen-*.whl")))


def test_wheel_holds_the_runtime_data(wheel):
    names = set(wheel.namelist())
    for needed in (
        "eligibility/trials/NCT03951597/trial.yaml",
        "eligibility/trials/NCT03951597/questions.yaml",
        "fhir_ingest/search_plan.yaml",
        "fhir_ingest/data/labs.yaml",
        "prescreen_data/synthetic/bundles/icc-001.json",
        "bot/cli/__init__.py",
    ):
        assert needed in names, needed
    assert any(n.startswith("prescreen_data/nlu/") and n.endswith(".yml") for n in names)


def test_the_chat_says_it_needs_a_checkout(tmp_path):
    """From an installed wheel (no Rasa project beside it) `serve` stops with a clear reason."""
    from bot.supervisor import StackError, require_project

    require_project()  # this checkout has them
    with pytest.raises(StackError, match=r"source checkout.*config\.yml, domain\.yml, credentials\.yml"):
        require_project(tmp_path)

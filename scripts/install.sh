#!/usr/bin/env bash
# Makes the project's two Python 3.10 environments, idempotently:
#   .venv       the action server, rules engine, FHIR ingester, CLI and tests (requirements/app.lock)
#   .venv-rasa  the Rasa server and bot/ (requirements/rasa.lock; Rasa 3.6 pins pydantic 1)
# The heavy dependency trees are built once per lock file under $PRESCREEN_CACHE
# (default ~/.cache/prescreen) and shared by every clone; each clone gets a thin venv of
# its own that points at them, so a fresh clone (CI) installs in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cache=${PRESCREEN_CACHE:-$HOME/.cache/prescreen}

find_python310() {
  local c
  local pyenv_root=${PYENV_ROOT:-}
  [ -n "$pyenv_root" ] || pyenv_root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for c in "${PRESCREEN_PYTHON:-}" python3.10 "$pyenv_root"/versions/3.10*/bin/python3.10 \
           /usr/local/bin/python3.10 /usr/bin/python3.10; do
    [ -n "$c" ] || continue
    # A pyenv shim can exist on PATH and still fail, so ask the interpreter itself.
    if v=$("$c" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) && [ "$v" = "3.10" ]; then
      "$c" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  return 1
}

if ! py=$(find_python310); then
  cat >&2 <<'MSG'
prescreen: Python 3.10 is missing. Rasa Open Source 3.6 runs on Python 3.8-3.10 only.
  Install it (for example `pyenv install 3.10.13`, or your system's python3.10 package),
  or point PRESCREEN_PYTHON at a python3.10 executable, then run this again.
MSG
  exit 1
fi

# System packages the tests and services need (PostgreSQL, Redis, Chromium, ...): one list per
# feature in requirements/apt.d/*.txt (one Debian package a line), installed when missing.
system_packages() {
  local wanted=() pkg missing=()
  [ -d requirements/apt.d ] || return 0
  while read -r pkg; do
    [ -n "$pkg" ] && wanted+=("$pkg")
  done < <(cat requirements/apt.d/*.txt 2>/dev/null | sed -e 's/#.*//' -e 's/[[:space:]]//g' | sort -u)
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "prescreen: installing system packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}
system_packages

# deps_env NAME LOCK -> prints the path of a complete shared environment for that lock file.
deps_env() {
  local name=$1 lock=$2 key dir
  key=$( (cat "$lock"; "$py" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)
  dir="$cache/envs/$name-$key"
  if [ ! -f "$dir/.complete" ]; then
    echo "prescreen: building the $name environment from $lock (once per lock file) ..." >&2
    rm -rf "$dir"
    mkdir -p "$cache/envs"
    "$py" -m venv "$dir" >&2
    "$dir/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip==24.3.1 >&2
    "$dir/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$lock" >&2
    "$dir/bin/python" -m pip check >&2
    touch "$dir/.complete"
  fi
  echo "$dir"
}

# thin_env PATH DEPS -> a small venv of this clone that sees DEPS' site-packages.
thin_env() {
  local venv=$1 deps=$2 site
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.deps" 2>/dev/null)" != "$deps" ]; then
    rm -rf "$venv"
    "$py" -m venv "$venv"
    site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    dsite=$("$deps/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    # addsitedir (not a bare path) so the shared tree's own .pth files are honoured too.
    echo "import site; site.addsitedir('$dsite')" > "$site/prescreen-deps.pth"
    # Console scripts and binaries of the shared tree (ruff, pytest, rasa) appear here too.
    for f in "$deps"/bin/*; do
      case $(basename "$f") in python*|pip*|activate*|Activate*) continue ;; esac
      [ -e "$venv/bin/$(basename "$f")" ] || ln -s "$f" "$venv/bin/$(basename "$f")"
    done
    echo "$deps" > "$venv/.deps"
  fi
}

app_deps=$(deps_env app requirements/app.lock)
thin_env .venv "$app_deps"
# The editable install maps the packages pyproject.toml names: redo it when that file changes.
project_key="$root $(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -x .venv/bin/prescreen ] || [ "$(cat .venv/.project 2>/dev/null)" != "$project_key" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . >&2
  echo "$project_key" > .venv/.project
fi

if [ "${PRESCREEN_SKIP_RASA:-0}" != 1 ]; then
  rasa_deps=$(deps_env rasa requirements/rasa.lock)
  thin_env .venv-rasa "$rasa_deps"
fi
echo "prescreen: environments ready (.venv, .venv-rasa) with $py" >&2

#!/usr/bin/env bash
# Relais' two commands. Each installs what is missing, then does its job:
#   ./dev.sh demo   run the service with demo data on the embedded PostgreSQL + PostGIS
#   ./dev.sh test   run the whole check: ruff, mypy, the import contract and every test
# Other sub-commands: ./dev.sh setup (install only), ./dev.sh bench (benchmarks).
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY=${PYTHON:-python3}
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "Needs root to install system packages: run as root: $*" >&2; exit 1
  fi
}

apt_install() {
  # Install the Debian packages given that are not installed yet.
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "Please install: ${missing[*]} (this script knows apt-get only)." >&2; exit 1
  fi
  say "Installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

system_packages() {
  apt_install postgresql postgresql-contrib
  local major
  major=$(ls /usr/lib/postgresql | sort -n | tail -1)
  apt_install "postgresql-${major}-postgis-3"
  # The Debian package starts a system cluster; Relais never needs it (it runs its own).
  if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then apt_install python3-venv; fi
}

python_env() {
  local stamp="$VENV/.installed" want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtual environment in $VENV"
    "$PY" -m venv "$VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing Relais and its dependencies"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[dev]"
    echo "$want" > "$stamp"
  fi
}

case "${1:-}" in
  setup)
    system_packages; apt_install chromium; python_env ;;
  demo)
    system_packages; python_env
    say "Starting Relais with demo data on http://${RELAIS_HOST:-127.0.0.1}:${RELAIS_PORT:-8000}/ (Ctrl-C stops it and its database)"
    exec "$VENV/bin/relais" demo ;;
  test)
    shift
    system_packages; apt_install chromium; python_env
    say "ruff"; "$VENV/bin/ruff" check .
    say "mypy (editorial, regions)"; "$VENV/bin/mypy"
    say "import contract"; "$VENV/bin/lint-imports"
    say "pytest"; exec "$VENV/bin/pytest" "$@" ;;
  bench)
    shift
    system_packages; python_env
    for bench in bench/bench_*.py; do say "$bench"; "$VENV/bin/python" "$bench" "$@"; done ;;
  *)
    echo "usage: ./dev.sh demo | test [pytest args] | setup | bench" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Relais' two commands. Each installs what is missing, then does its job:
#   ./dev.sh demo   run the service with demo data on the embedded PostgreSQL + PostGIS
#   ./dev.sh test   run the whole check: ruff, mypy, the import contract and every test
# Other sub-commands: ./dev.sh setup (install only), ./dev.sh bench [NAME] [args] (benchmarks: one, or all).
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
  # $1: "runtime" (the demo), "dev" (tests and tools as well) or "bench" (dev + benchmarks' extras).
  local mode=$1 stamp="$VENV/.installed" want extras=""
  [ "$mode" = dev ] && extras="[dev]"
  [ "$mode" = bench ] && extras="[dev,bench]"
  want="$mode $(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtual environment in $VENV"
    "$PY" -m venv "$VENV"
  fi
  # A dev install serves the demo too (a bench install serves both); a runtime install is upgraded when the tests need more.
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] \
     && ! { [ "$mode" = runtime ] && [ "$(cat "$stamp" 2>/dev/null)" = "dev ${want#runtime }" ]; } \
     && [ "$(cat "$stamp" 2>/dev/null)" != "bench ${want#* }" ]; then
    say "Installing Relais and its ${mode} dependencies"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".${extras}"
    echo "$want" > "$stamp"
  fi
  # Message catalogues: .po files are the source, .mo files are built here (never committed).
  "$VENV/bin/pybabel" -q compile -d service/translations
}

front_end() {
  # $1: "runtime" (htmx, MapLibre) or "dev" (axe-core for the browser tests as well).
  local mode=$1 stamp=node_modules/.installed want vendor=service/web/static/vendor
  command -v npm >/dev/null || apt_install nodejs npm
  want="$mode $(sha256sum package-lock.json | cut -d' ' -f1)"
  # A dev install serves the demo too: `./dev.sh demo` after setup keeps axe-core for the tests.
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] \
     && ! { [ "$mode" = runtime ] && [ "$(cat "$stamp" 2>/dev/null)" = "dev ${want#runtime }" ]; }; then
    say "Installing the web pages' libraries from npm (package-lock.json)"
    if [ "$mode" = dev ]; then npm ci --no-audit --no-fund --loglevel=error
    else npm ci --omit=dev --no-audit --no-fund --loglevel=error; fi
    echo "$want" > "$stamp"
  fi
  # Only the built files the pages load are served, from the app's static folder.
  rm -rf "$vendor"; mkdir -p "$vendor/maplibre-gl"
  cp node_modules/htmx.org/dist/htmx.min.js "$vendor/"
  cp node_modules/maplibre-gl/dist/maplibre-gl.mjs node_modules/maplibre-gl/dist/maplibre-gl-shared.mjs \
     node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs node_modules/maplibre-gl/dist/maplibre-gl.css \
     "$vendor/maplibre-gl/"
  if [ -f node_modules/axe-core/axe.min.js ]; then cp node_modules/axe-core/axe.min.js "$vendor/"; fi
}

case "${1:-}" in
  setup)
    system_packages; apt_install chromium gdal-bin; python_env dev; front_end dev ;;
  demo)
    system_packages; python_env runtime; front_end runtime
    say "Starting Relais with demo data on http://${RELAIS_HOST:-127.0.0.1}:${RELAIS_PORT:-8000}/ (Ctrl-C stops it and its database)"
    exec "$VENV/bin/relais" demo ;;
  test)
    shift
    system_packages; apt_install chromium gdal-bin; python_env dev; front_end dev
    say "ruff"; "$VENV/bin/ruff" check .
    say "mypy (strict, on every package: see pyproject.toml)"; "$VENV/bin/mypy"
    say "import contract"; "$VENV/bin/lint-imports"
    # One pytest worker per core (pytest-xdist; each starts its own PostGIS): `-n 0` runs serially.
    say "pytest"; exec "$VENV/bin/pytest" -n auto "$@" ;;
  translations)
    # Bring the catalogues up to date with the code and pages; then translate the new
    # entries of service/translations/fr/LC_MESSAGES/messages.po (the tests check it).
    python_env dev
    "$VENV/bin/pybabel" -q extract -F babel.cfg -k _l --no-location --sort-output \
      -o service/translations/messages.pot .
    "$VENV/bin/pybabel" -q update -i service/translations/messages.pot -d service/translations \
      --no-wrap --no-fuzzy-matching --ignore-obsolete
    "$VENV/bin/pybabel" -q compile -d service/translations
    grep -c '^msgstr ""$' service/translations/fr/LC_MESSAGES/messages.po | xargs -I{} echo "{} entries to translate (one is the header)" ;;
  bench)
    shift
    # ./dev.sh bench [NAME] [args]: one benchmark (bench/bench_NAME.py) with its arguments, or all.
    system_packages; apt_install wrk; python_env bench
    if [ $# -gt 0 ] && [[ "$1" != -* ]]; then
      bench="bench/bench_$1.py"; shift
      [ -f "$bench" ] || { echo "No benchmark $bench; known: $(ls bench/bench_*.py | sed 's|bench/bench_||; s|\.py||' | tr '\n' ' ')" >&2; exit 2; }
      say "$bench"; "$VENV/bin/python" "$bench" "$@"
    elif [ $# -gt 0 ]; then
      echo "Arguments differ between benchmarks: name one, e.g. ./dev.sh bench tiles $*" >&2; exit 2
    else
      # Every benchmark with its defaults; each appends its figures to one file of rows
      # (bench/report.py), printed at the end as one table and written to docs/benchmarks.md.
      rows=$(mktemp --suffix=.jsonl); failed=()
      export RELAIS_BENCH_ROWS="$rows" RELAIS_BENCH_STARTED="$(date +%s)"
      for bench in bench/bench_*.py; do
        say "$bench"; "$VENV/bin/python" "$bench" || failed+=("$(basename "$bench" .py)")
      done
      say "All benchmarks, one table"
      "$VENV/bin/python" bench/report.py "$rows" --failed "${failed[*]:-}"
      rm -f "$rows"
      [ ${#failed[@]} -eq 0 ] || { echo "Failed: ${failed[*]}" >&2; exit 1; }
    fi ;;
  *)
    echo "usage: ./dev.sh demo | test [pytest args] | setup | bench [NAME] [args] | translations" >&2; exit 2 ;;
esac

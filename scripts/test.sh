#!/usr/bin/env bash
# Builds mai with its tests, fetches the real models and the TFLite oracle,
# runs the whole test suite, then a short fuzzing smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh -DMAI_BUILD_TESTS=ON
bash scripts/fetch_models.sh >/dev/null
bash scripts/fetch_playwright.sh >/dev/null
/usr/bin/python3 tests/e2e/make_photo_inputs.py "${MAI_CACHE_DIR:-$HOME/.cache/mai}/photos" >/dev/null

# The PostgreSQL store tests run on a throwaway cluster (stopped and removed
# on exit, also when tests fail) when the PostgreSQL server is installed;
# without it they are skipped.
pg_dir=""
stop_postgres() {
  if [[ -n $pg_dir ]]; then
    bash scripts/postgres_test_cluster.sh stop "$pg_dir" 2>/dev/null ||
      echo "test.sh: could not stop the PostgreSQL test cluster in $pg_dir" >&2
  fi
}
trap stop_postgres EXIT
trap 'exit 130' INT TERM
if [[ -n ${PG_BINDIR:-} ]] || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  pg_dir=$(mktemp -u "${TMPDIR:-/tmp}/mai-pg-XXXXXX")
  MAI_TEST_POSTGRES_URL=$(bash scripts/postgres_test_cluster.sh start "$pg_dir" | tail -n 1)
  export MAI_TEST_POSTGRES_URL
else
  echo "test.sh: no PostgreSQL server installed; the PostgreSQL store tests are skipped" >&2
fi
(cd build && ctest --output-on-failure -j2 --timeout 300)
bash scripts/fuzz.sh --smoke

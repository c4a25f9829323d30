#!/usr/bin/env bash
# Builds mai with its tests, fetches the real models and the TFLite oracle,
# runs the whole test suite, then a short fuzzing smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh -DMAI_BUILD_TESTS=ON
bash scripts/fetch_models.sh >/dev/null
/usr/bin/python3 tests/e2e/make_photo_inputs.py "${MAI_CACHE_DIR:-$HOME/.cache/mai}/photos" >/dev/null
(cd build && ctest --output-on-failure -j2 --timeout 300)
bash scripts/fuzz.sh --smoke

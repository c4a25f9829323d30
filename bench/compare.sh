#!/usr/bin/env bash
# Side-by-side benchmark: mai (auto and ref backends) against TensorFlow Lite's
# WebAssembly build, optionally native TFLite benchmark_model, interleaved in
# fresh processes. Writes bench/reports/<date>-<host>.md (+ .json with every
# process's figures) and prints the table. See docs/benchmarking.md.
#
#   bench/compare.sh [--model M.tflite ...] [--threads "1 2"] [--rounds 5]
#                    [--num_runs 20] [--warmup_runs 5] [--benchmark_model PATH]
#   bench/compare.sh --help
#
# Exits 1 with a message when a model, the mai binary, Node.js or the wasm is
# missing, or when an engine run fails (a model TFLite refuses for a custom op
# is reported in the table instead).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -x /usr/bin/python3 ]]; then
  echo "compare: /usr/bin/python3 is required (apt-get install python3)" >&2
  exit 1
fi
exec /usr/bin/python3 "$here/compare.py" "$@"

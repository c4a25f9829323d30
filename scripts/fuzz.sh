#!/usr/bin/env bash
# Builds the libFuzzer target with clang (address + undefined sanitizers on
# the whole engine) and runs it on the corpus in tests/fuzz/corpus.
#   scripts/fuzz.sh --smoke        45 s (part of the test command)
#   scripts/fuzz.sh --seconds N    N seconds, new inputs kept in build-fuzz/corpus
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits across clones in other folders (CI builds a fresh clone).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
seconds=45
case "${1:-}" in
  --smoke) seconds=45 ;;
  --seconds) seconds="$2" ;;
  "") ;;
  *) echo "usage: scripts/fuzz.sh [--smoke | --seconds N]" >&2; exit 2 ;;
esac
bash scripts/install_deps.sh
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMAI_BUILD_TESTS=OFF -DMAI_BUILD_FUZZERS=ON -DMAI_SANITIZE=ON >/dev/null
cmake --build build-fuzz -j2 --target model_fuzzer
mkdir -p build-fuzz/corpus
# Read-only seed corpus from the repo; new findings go to build-fuzz/corpus.
./build-fuzz/tests/fuzz/model_fuzzer build-fuzz/corpus tests/fuzz/corpus \
  -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
  -print_final_stats=1 2>&1 | tail -n 15
echo "fuzz: ${seconds}s without a crash"

#!/usr/bin/env bash
# The main job: build mai, fetch the real demo models, benchmark one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh -DMAI_BUILD_TESTS=OFF
models_dir=$(bash scripts/fetch_models.sh | tail -n 1)
model="${1:-$models_dir/face_detection_short_range.tflite}"
./build/mai inspect "$model"
echo
./build/mai bench "$model" --num_runs 50 --warmup_runs 5

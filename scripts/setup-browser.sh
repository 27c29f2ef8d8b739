#!/usr/bin/env bash
# npm run setup:browser — Debian's Chromium for the browser tests (driven by playwright-core; no browser download),
# and the Liberation fonts of the printed-digit test. Does nothing when both are there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && [ -d /usr/share/fonts/truetype/liberation ]; then
  echo "setup:browser: $(chromium --version 2>/dev/null | head -1) and fonts-liberation are installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup:browser: no apt-get here; install Chromium yourself and set CHROMIUM_PATH" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-liberation >/dev/null
echo "setup:browser: installed $(chromium --version 2>/dev/null | head -1)"

#!/usr/bin/env bash
# Debian's Chromium for the browser tests of the pages (test/integration/pages.test.ts), which drive
# it with playwright-core. Idempotent: does nothing when /usr/bin/chromium is already there.
set -euo pipefail

say() { printf '[setup-browser] %s\n' "$*"; }

CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0

if ! command -v apt-get >/dev/null; then
  say "no apt-get on this machine: install Chromium so that $CHROMIUM exists (the browser tests launch it there)"
  exit 1
fi
# As root apt-get runs as is; otherwise through sudo, when there is one.
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { say "installing Chromium needs root (apt-get install chromium) and there is no sudo"; exit 1; }
  SUDO=(sudo)
fi
say "installing Debian's chromium (apt-get install --no-install-recommends chromium)"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing or stale on a fresh machine: install once, and on failure update them and try again.
if ! "${SUDO[@]}" apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; then
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
[ -x "$CHROMIUM" ] || { say "apt-get installed chromium, but $CHROMIUM is missing"; exit 1; }
say "$("$CHROMIUM" --version 2>/dev/null || echo chromium) installed"

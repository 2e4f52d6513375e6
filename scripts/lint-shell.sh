#!/usr/bin/env bash
# ShellCheck over the repository's shell scripts (part of `npm run lint`). shellcheck comes from
# Debian (`apt-get install -y shellcheck`; .ci/run installs it when missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v shellcheck >/dev/null; then
  echo "lint:shell: shellcheck is not on PATH; install it (Debian: apt-get install -y shellcheck)" >&2
  exit 1
fi
shellcheck scripts/*.sh tools/*.sh .ci/run
echo "lint:shell: shellcheck $(shellcheck --version | sed -n 's/^version: //p'): scripts/*.sh tools/*.sh .ci/run clean"

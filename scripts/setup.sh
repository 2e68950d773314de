#!/usr/bin/env bash
# Gets a fresh Debian machine with Node 20 ready to build, run and test lifeboat:
# the system packages npm's native build (better-sqlite3) and the tests need, then `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt-install.sh
need=()
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v python3 >/dev/null 2>&1 || need+=(python3)
apt_install "${need[@]}"
bash scripts/test-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-fund --no-audit
fi

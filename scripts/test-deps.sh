#!/usr/bin/env bash
# Installs what the test suite talks to, on a fresh Debian machine, when it is missing.
# Idempotent and quiet when everything is there. Run as root (or with sudo available).
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"
need=()
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v gunzip >/dev/null 2>&1 || need+=(gzip)
command -v mount >/dev/null 2>&1 || need+=(mount)
command -v script >/dev/null 2>&1 || need+=(bsdutils)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
apt_install "${need[@]}"

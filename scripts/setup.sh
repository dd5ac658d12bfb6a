#!/usr/bin/env bash
# Installs everything byol's tests and rig need on a fresh Debian 12 machine (as root):
# the Debian packages listed in scripts/host-packages.txt, then the npm packages (incl. Node 24).
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t pkgs < <(grep -v '^\s*#' scripts/host-packages.txt | grep -v '^\s*$')
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x node_modules/.bin/node ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages (Node 24 comes from the npm package 'node')"
  npm ci --no-fund --no-audit --loglevel=error
fi
echo "setup: done ($(node_modules/.bin/node --version))"

#!/usr/bin/env bash
# The README's test command: installs what is needed, then runs every test tier.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
npm run check
npm test
npm run build
npm run test:vm

#!/usr/bin/env bash
# The README's first command. Installs what is needed (scripts/setup.sh), then runs the rig's default
# scenario: a QEMU bare-metal machine (UEFI, two virtual disks) boots byol's rescue system, byol installs
# the Debian 12 fixture image onto the virtual disks over SSH (OVH's default layout, RAID1), the machine
# boots from its disks, and the rig checks the installed system from inside. Progress goes to the terminal,
# the verdict is the last line ({"scenario","ok","checks","timings"}). Only the rig's own disk files are written.
# Extra arguments go to the rig, e.g. --keep or --out DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
exec npm run --silent rig -- --scenario fixtures/scenarios/uefi-raid1-default.json "$@"

#!/usr/bin/env bash
# The README's test command: installs what is needed, then runs every test tier:
# check (tsc + biome), unit (node:test), build, the executable (dist/byol in a Debian 12 chroot
# with no Node), the VM tier, and the rig's CI scenarios
# (bad-checksum, and uefi-raid1-default: a full install through byol remote whose SSH connection is
# cut during the copy, then a boot of the installed system). The other scenarios (BIOS, BYOI, LVM,
# 4Kn, ZFS, the OVH-recipe image, the fleet) run with `npm run rig -- --all`, outside CI's 45 minutes.
# A failing tier does not stop the later ones; the command exits 1 if any failed, naming them.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export PATH="$PWD/node_modules/.bin:$PATH"

failed=()
tier() {
  local name=$1
  shift
  local start=$SECONDS
  echo "=== test.sh: $name"
  if "$@"; then
    echo "=== test.sh: $name passed in $((SECONDS - start)) s"
  else
    echo "=== test.sh: $name FAILED after $((SECONDS - start)) s"
    failed+=("$name")
  fi
}

tier check npm run check
tier unit npm test
tier build npm run build
tier executable npm run test:exe -- --no-build
tier vm npm run test:vm
tier rig npm run rig -- --out out/ci-rig \
  --scenario fixtures/scenarios/bad-checksum.json \
  --scenario fixtures/scenarios/uefi-raid1-default.json

echo "=== test.sh: done in $SECONDS s"
if ((${#failed[@]} > 0)); then
  echo "=== test.sh: failed: ${failed[*]}"
  exit 1
fi

#!/bin/bash
# Builds the byol rescue system into OUT (an empty directory), as root:
#   OUT/rootfs/       the Debian bookworm tree (mmdebstrap, minbase, no Recommends, no docs), removed at the end
#   OUT/vmlinuz       Debian's kernel
#   OUT/initrd.img    a busybox initrd that loads virtio + ext4 and boots OUT/rootfs.img (initrd-init.sh)
#   OUT/rootfs.img    the tree as an ext4 image (mkfs.ext4 -d, no mount)
#   OUT/packages.lock the installed packages and versions
#   OUT/repo/         (stock only) a flat apt repository with the left-out packages and what they need
# Usage: build-rootfs.sh OUT PACKAGES_TXT NODE_BINARY         the rig's harness rescue (byol-init, Node 24)
#        build-rootfs.sh OUT PACKAGES_TXT - LEFT_OUT_TXT      a stock-like rescue: systemd and udev, no Node,
#                                                             the packages of LEFT_OUT_TXT left out
# ZFS, only with BYOL_RESCUE_ZFS=1 (scripts/rescue/build.ts --zfs): zfsutils-linux comes from Debian's contrib
# section (enabled here, in the build's sources only) and the kernel modules from the zfs-modules package
# scripts/lib/zfs-kmod.sh builds once with dkms for the tree's kernel. Without it, zfsutils-linux is left out.
# BYOL_DEBIAN_MIRROR overrides mmdebstrap's default mirrors (scripts/lib/debian-tree.sh).
set -euo pipefail
out=$1 packages=$2 node=$3 left_out=${4:-}
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=../lib/debian-tree.sh
source "$here/../lib/debian-tree.sh"
list() { grep -v '^\s*#' "$1" | grep -v '^\s*$'; }
hooks=()
if [[ -n "$left_out" ]]; then
  # The stock rescue boots with systemd like OVH's rescue-customer; it has no tini and lacks LEFT_OUT's packages,
  # which an install gets with `byol preflight --install-missing` from the repository built here.
  include=$( (list "$packages" | grep -vxF -f <(list "$left_out"; echo tini); echo systemd-sysv) | paste -sd, -)
  missing=$(list "$left_out" | paste -sd' ' -)
  export BYOL_REPO_OUT=$out/repo
  # Only what installing them on this system downloads: the cache is emptied of mmdebstrap's own downloads first.
  hooks+=(--customize-hook='chroot "$1" apt-get clean'
    --customize-hook="chroot \"\$1\" apt-get install -y --download-only --no-install-recommends $missing"
    --customize-hook='mkdir -p "$BYOL_REPO_OUT" && cp "$1"/var/cache/apt/archives/*.deb "$BYOL_REPO_OUT"/')
else
  include=$(package_list "$packages")
fi
zfs=${BYOL_RESCUE_ZFS:-0}
if [[ $zfs != 1 ]]; then
  include=$(tr , '\n' <<<"$include" | grep -vx zfsutils-linux | paste -sd, -)
fi
step() { echo "rescue: $* (+$SECONDS s)"; }

step "mmdebstrap bookworm with: $include"
debian_tree "$out/rootfs" "$include" --components=main,contrib \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d"' \
  --essential-hook='printf "# byol boots with its own initrd; keep this one small and quick to build.\nMODULES=list\n" >"$1/etc/initramfs-tools/conf.d/byol.conf"' \
  "${hooks[@]}"

root=$out/rootfs
if [[ $zfs == 1 ]]; then
  step "ZFS kernel modules"
  bash "$here/../lib/zfs-install.sh" "$root"
fi
step "customizing"
if [[ -n "$left_out" ]]; then
  bash "$here/stock-customize.sh" "$root" "$out/repo"
  name=rescue-customer
else
  install -m 755 "$node" "$root/usr/local/bin/node"
  strip --strip-debug "$root/usr/local/bin/node"
  install -m 755 "$here/init.sh" "$root/sbin/byol-init"
  ln -sf /sbin/byol-init "$root/init"
  install -m 755 "$here/poweroff.sh" "$root/usr/local/sbin/poweroff"
  ln -sf poweroff "$root/usr/local/sbin/reboot"
  name=byol-rescue
fi
echo "$name" >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost ip6-localhost ip6-loopback\n' "$name" >"$root/etc/hosts"
echo 'PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"' >"$root/etc/environment"
: >"$root/etc/fstab"
ln -sf /proc/self/mounts "$root/etc/mtab"
mkdir -p "$root/etc/ssh/sshd_config.d"
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\nMaxStartups 100\nMaxSessions 100\n' \
  >"$root/etc/ssh/sshd_config.d/byol.conf"
# cloud-init is here for its datasource readers, not to configure the rescue system.
touch "$root/etc/cloud/cloud-init.disabled"
# Drivers no server rescue needs (sound, graphics, cameras, radios): about 130 MB.
kver=$(basename "$(readlink -f "$root/vmlinuz")" | sed 's/^vmlinuz-//')
kmods=$root/usr/lib/modules/$kver/kernel
rm -rf "$kmods/sound" "$kmods/drivers/gpu" "$kmods/drivers/media" "$kmods/drivers/staging" "$kmods/drivers/iio" \
  "$kmods/drivers/net/wireless" "$kmods/net/wireless" "$kmods/net/mac80211" "$kmods/drivers/bluetooth" "$kmods/net/bluetooth"
chroot "$root" depmod "$kver"
# Not loaded at boot: they only slow down a TCG boot (kvm, cpufreq, watchdog, speaker).
printf 'blacklist %s\n' kvm kvm_amd kvm_intel powernow_k8 acpi_cpufreq pcspkr iTCO_wdt iTCO_vendor_support \
  >"$root/etc/modprobe.d/byol-blacklist.conf"
# Four nbd devices, not sixteen empty ones in every lsblk.
echo 'options nbd nbds_max=4' >"$root/etc/modprobe.d/byol-nbd.conf"
rm -rf "$root/var/cache/apt/"*.bin "$root/var/lib/apt/lists/"* "$root/var/log/"*.log
find "$root/usr/lib/python3" -name __pycache__ -prune -exec rm -rf {} + 2>/dev/null || true

step "kernel and initrd"
cp -L "$root/vmlinuz" "$out/vmlinuz"
initrd=$out/initrd
mkdir -p "$initrd/bin"
cp "$root/bin/busybox" "$initrd/bin/busybox"
install -m 755 "$here/initrd-init.sh" "$initrd/init"
for m in virtio_pci virtio_blk ext4; do chroot "$root" modprobe -S "$kver" --show-depends "$m"; done |
  awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$initrd/modules.order"
while read -r ko; do install -D -m 644 "$root$ko" "$initrd$ko"; done <"$initrd/modules.order"
(cd "$initrd" && find . | cpio -o -H newc --owner=0:0 --quiet) >"$out/initrd.img"
rm -rf "$initrd"

step "ext4 image"
size_mib=$(($(du -sm "$root" | cut -f1) * 13 / 10 + 512))
mkfs.ext4 -q -F -L byol-rescue -d "$root" "$out/rootfs.img" "${size_mib}M"
chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$out/packages.lock"
rm -rf "$root"
step "done"

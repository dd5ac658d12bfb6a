#!/bin/bash
# Builds the Debian 12 system shared by every fixture OS image, as a tar of its root directory, as root:
# mmdebstrap (minbase, no Recommends, no docs/man/locales), then the overlay/ files and the settings
# every image needs: no fstab entries, empty machine-id, no SSH host keys, root password locked,
# a serial getty on ttyS0. No /root/.ovh script and no boot loader: build-byolinux.sh / build-byoi.sh add those.
# Usage: build-rootfs.sh OUT.tar PACKAGES_TXT OVERLAY_DIR WORK_DIR [ZFS_PACKAGES_TXT]
# With ZFS_PACKAGES_TXT (packages-zfs.txt): its kernel replaces linux-image-cloud-amd64, its ZFS packages come
# from Debian's contrib section (enabled in the build's sources only), the zfs modules from the package
# scripts/lib/zfs-kmod.sh builds once for that kernel, and drivers no QEMU guest needs are removed.
# BYOL_DEBIAN_MIRROR overrides mmdebstrap's default mirrors (scripts/lib/debian-tree.sh).
set -euo pipefail
out=$1 packages=$2 overlay=$3 work=$4 zfs=${5:-}
root=$work/root
step() { echo "rootfs: $* (+$SECONDS s)"; }

# shellcheck source=../lib/debian-tree.sh
source "$(dirname "$0")/../lib/debian-tree.sh"
include=$(package_list "$packages")
zfs_opts=()
if [[ -n "$zfs" ]]; then
  include=$( (grep -v '^\s*#' "$packages" | grep -vx 'linux-image-cloud-amd64'; grep -v '^\s*#' "$zfs") | grep -v '^\s*$' | paste -sd, -)
  export BYOL_ZFS_INSTALL
  BYOL_ZFS_INSTALL=$(cd "$(dirname "$0")/../lib" && pwd)/zfs-install.sh
  # The modules go in before the initramfs is made again, so zfs-initramfs's hook finds them.
  # shellcheck disable=SC2016 # expanded by mmdebstrap's shell, with $1 the tree
  zfs_opts=(--components=main,contrib --customize-hook='bash "$BYOL_ZFS_INSTALL" "$1"'
    --customize-hook='k=$(ls "$1/usr/lib/modules") && for d in sound drivers/gpu drivers/media drivers/staging drivers/net/wireless net/wireless drivers/bluetooth; do rm -rf "$1/usr/lib/modules/$k/kernel/$d"; done && chroot "$1" depmod "$k"')
fi

step "mmdebstrap bookworm with: $include"
# The overlay goes in before the initramfs is made again, so its module list is the one the images boot with.
export BYOL_OVERLAY=$overlay
# shellcheck disable=SC2016 # the hooks are expanded by mmdebstrap's shell, with $1 the tree
debian_tree "$root" "$include" "${zfs_opts[@]}" \
  --customize-hook='cp -a "$BYOL_OVERLAY/." "$1/"' \
  --customize-hook='chroot "$1" update-initramfs -u -k all'

step "customizing"
# byol writes /etc/fstab (byolinux); build-byoi.sh writes its own.
printf '# <file system> <mount point> <type> <options> <dump> <pass>\n' >"$root/etc/fstab"
# Every installed server gets its own machine-id at first boot, and its own SSH host keys.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root"/etc/ssh/ssh_host_*
chroot "$root" passwd --lock root >/dev/null
chroot "$root" systemctl enable serial-getty@ttyS0.service
# Debian's kernel packages add /vmlinuz and /initrd.img; grub.cfg files name the /boot files instead.
kver=$(basename "$(readlink -f "$root/vmlinuz")" | sed 's/^vmlinuz-//')
test -f "$root/boot/initrd.img-$kver" || { echo "rootfs: no initrd for $kver" >&2; exit 1; }
rm -rf "$root/var/cache/apt/"*.bin "$root/var/lib/apt/lists/"* "$root/var/log/"*.log "$root/var/cache/debconf/"*-old
find "$root/usr/lib/python3" -name __pycache__ -prune -exec rm -rf {} + 2>/dev/null || true
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$out.packages"

step "tar ($(du -sm "$root" | cut -f1) MiB)"
tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$root" -cf "$out" .
rm -rf "$root"
step "done"

#!/bin/bash
# Installs ZFS's kernel modules into the Debian tree ROOT, which already has its kernel (/vmlinuz) and
# zfsutils-linux (Debian 12 contrib): the zfs-modules-KVER package that zfs-kmod.sh builds once per kernel and
# ZFS version and caches. The rescue systems and the ZFS fixture image use it, so none of them runs dkms.
# Usage (as root): zfs-install.sh ROOT
set -euo pipefail
root=$1
here=$(cd "$(dirname "$0")" && pwd)
kver=$(basename "$(readlink -f "$root/vmlinuz")" | sed 's/^vmlinuz-//')
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
zver=$(chroot "$root" dpkg-query -W -f '${Version}' zfsutils-linux)
deb=$(bash "$here/zfs-kmod.sh" "$kver" "$zver")
cp "$deb" "$root/tmp/zfs-modules.deb"
chroot "$root" dpkg -i /tmp/zfs-modules.deb
rm -f "$root/tmp/zfs-modules.deb"
chroot "$root" modinfo -k "$kver" -F version zfs | sed "s/^/zfs: module version /;s/\$/ for $kver ($(basename "$deb"))/"

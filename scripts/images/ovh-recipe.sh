#!/bin/bash
# Prepares the shared Debian 12 fixture tree the way OVHcloud's published Debian 12 BYOLinux recipe
# (ovh/bringyourownlinux, build_debian-12: a Packer build of Debian's generic cloud image) prepares its
# image, so that byolinux-debian12-ovh exercises what that recipe's make_image_bootable.sh relies on.
# Our own script, doing the same kinds of things:
#   - /etc/default/grub is GRUB's packaged default with the recipe's kernel options (no console=: the
#     script adds the rescue's console= at install time); debconf says GRUB must not touch NVRAM;
#   - GRUB is left as the booted cloud image has it: grub2-common, grub-pc-bin and grub-efi-amd64-bin
#     installed, /boot/grub/grub.cfg and /boot/grub/i386-pc/core.img present, the ESP's files merged
#     into /boot/efi of the root file system (the recipe makes a one-partition image that way). This
#     matters: grub-pc's postinst runs grub-install on grub-pc/install_devices only when core.img
#     exists, grub-efi-amd64's only when /boot/efi/EFI/debian exists, and both run update-grub only
#     when grub.cfg exists;
#   - `apt-get install --download-only` of grub-efi-amd64 and of grub-pc (two runs: they conflict),
#     with the package lists kept, so the script's `apt-get install` works offline from
#     /var/cache/apt/archives;
#   - cloud-init's growpart, resizefs and grub-dpkg modules removed from cloud.cfg (failing if one is
#     not there), package configuration files purged, /etc/machine-id removed.
# Left out: the backported kernel, firmware and microcode packages, and the ZFS packages (DKMS at
# install time): nothing in byol's fixtures needs them.
# Usage: ovh-recipe.sh ROOTFS_TAR OUT_TAR WORK_DIR
set -euo pipefail
in=$1 out=$2 work=$3
root=$work/ovh-root
step() { echo "ovh-recipe: $* (+$SECONDS s)"; }
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

step "extracting the tree"
mkdir "$root"
tar --numeric-owner --xattrs --xattrs-include='*' --acls -xpf "$in" -C "$root"

mounted=()
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[i]}" || umount -l "${mounted[i]}"; done
  mounted=()
}
trap unmount_all EXIT
mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount --bind /dev "$root/dev" && mounted+=("$root/dev")
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp" && mounted+=("$root/tmp")

step "GRUB's default settings with the recipe's kernel options"
cp "$root/usr/share/grub/default/grub" "$root/etc/default/grub"
# nomodeset and iommu=pt as in the recipe; net.ifnames=0 as in every byol fixture (the NIC is eth0).
sed -i -e 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="nomodeset iommu=pt net.ifnames=0"/' \
  -e 's/^GRUB_CMDLINE_LINUX_DEFAULT=.*/GRUB_CMDLINE_LINUX_DEFAULT=""/' "$root/etc/default/grub"
grep -q '^GRUB_CMDLINE_LINUX="nomodeset' "$root/etc/default/grub" || {
  echo "ovh-recipe: GRUB_CMDLINE_LINUX not found in GRUB's default file" >&2
  exit 1
}
echo 'grub-efi-amd64 grub2/update_nvram boolean false' | in_root debconf-set-selections

step "GRUB as the booted cloud image has it (grub.cfg, i386-pc core.img, the ESP's files in /boot/efi)"
mkdir -p "$root/boot/grub/i386-pc" "$root/boot/efi/EFI/debian"
cp "$root"/usr/lib/grub/i386-pc/*.mod "$root"/usr/lib/grub/i386-pc/*.lst "$root/boot/grub/i386-pc/"
in_root grub-mkimage -O i386-pc -p /boot/grub -o /boot/grub/i386-pc/core.img biosdisk part_gpt part_msdos ext2
in_root grub-mkimage -O x86_64-efi -p /EFI/debian -o /boot/efi/EFI/debian/grubx64.efi \
  part_gpt fat ext2 normal configfile search search_fs_uuid linux
printf "search.fs_label rootfs root\nset prefix=(\$root)'/boot/grub'\nconfigfile \$prefix/grub.cfg\n" \
  >"$root/boot/efi/EFI/debian/grub.cfg"
cat >"$root/boot/grub/grub.cfg" <<'GRUBCFG'
# The image's grub.cfg from its build; make_image_bootable.sh's GRUB install regenerates it.
set timeout=1
menuentry 'Debian GNU/Linux (image build)' {
  search --no-floppy --label --set=root rootfs
  linux /vmlinuz root=LABEL=rootfs ro
  initrd /initrd.img
}
GRUBCFG

step "apt-get update"
in_root apt-get update -q
step "apt-get install --download-only grub-efi-amd64, then grub-pc"
in_root apt-get install -y -q --no-install-recommends --download-only grub-efi-amd64
in_root apt-get install -y -q --no-install-recommends --download-only grub-pc
for pkg in grub-efi-amd64 grub-pc; do
  # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
  if [[ "$(in_root dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null || true)" == installed ]]; then
    echo "ovh-recipe: $pkg is installed; the recipe only downloads it" >&2
    exit 1
  fi
  compgen -G "$root/var/cache/apt/archives/${pkg}_*.deb" >/dev/null || {
    echo "ovh-recipe: no ${pkg}_*.deb in /var/cache/apt/archives" >&2
    exit 1
  }
done

step "cloud-init: no growpart, resizefs or grub-dpkg"
for module in growpart resizefs 'grub[_-]dpkg'; do
  grep -qE "^ *- $module\$" "$root/etc/cloud/cloud.cfg" || {
    echo "ovh-recipe: cloud-init module '$module' is not in cloud.cfg" >&2
    exit 1
  }
  sed -i -E "/^ *- $module\$/d" "$root/etc/cloud/cloud.cfg"
done

step "cleaning up"
in_root apt-get purge -y -q '?config-files'
rm -f "$root/etc/machine-id" "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old
echo "ovh-recipe: cached for the offline install:"
find "$root/var/cache/apt/archives" -maxdepth 1 -name "*.deb" -printf "  %f\n" | sort
unmount_all
trap - EXIT

step "tar ($(du -sm "$root" | cut -f1) MiB)"
tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$root" -cf "$out" .
rm -rf --one-file-system "$root"
step "done"

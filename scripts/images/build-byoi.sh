#!/bin/bash
# Builds the BYOI (byoi_64) fixture image from the shared rootfs tar, as root: a whole-disk raw GPT image,
# sparse, as cloud images are, bootable with UEFI and with legacy BIOS, its file systems made without mounts:
#   p1 ESP (ef00, 128 MiB, FAT32 by mkfs.vfat + mtools): \EFI\debian\grubx64.efi, \EFI\BOOT\BOOTX64.EFI and a
#      grub.cfg in each that finds the root file system by UUID and loads its /boot/grub/grub.cfg;
#   p3 BIOS boot (ef02, 1 MiB): GRUB's i386-pc core image, put there with boot.img by grub-bios-setup;
#   p2 root (8300, ext4 by mkfs.ext4 -d, to the end of the disk so cloud-init's growpart can grow it).
# GRUB's images are made with the grub-mkimage/grub-bios-setup of the image itself (chroot), so the host
# needs no GRUB; grub-bios-setup needs /proc, /sys, /dev and a loop-mounted scratch ext4 in that chroot. fstab names both file systems by UUID: byol writes this image as it is.
# Usage: build-byoi.sh ROOTFS_TAR OUT.raw WORK_DIR [SIZE_MIB]
set -euo pipefail
tar=$1 out=$2 work=$3 disk_mib=${4:-2048}
step() { echo "byoi: $* (+$SECONDS s)"; }
root=$work/root grubtmp=$work/root/tmp/byol-grub

root_uuid=$(cat /proc/sys/kernel/random/uuid)
esp_serial=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ' | tr a-f A-F)
esp_uuid=${esp_serial:0:4}-${esp_serial:4:4}
# Sectors: ESP at 1 MiB, BIOS boot after it, root from there to the backup GPT.
esp_start=2048 esp_sectors=262144
bios_start=$((esp_start + esp_sectors)) bios_sectors=2048
root_start=$((bios_start + bios_sectors))
disk_sectors=$((disk_mib * 2048))
root_end=$((disk_sectors - 34))
# shellcheck disable=SC2017 # rounds down to whole 4 KiB blocks on purpose
root_kib=$(((root_end - root_start + 1) / 8 * 4))

step "extracting the tree"
mkdir "$root"
tar --numeric-owner --xattrs --xattrs-include='*' --acls -xpf "$tar" -C "$root"
kver=$(basename "$(readlink -f "$root/vmlinuz")" | sed 's/^vmlinuz-//')
# shellcheck disable=SC1091 # the tree's own file
cmdline=$(. "$root/etc/default/grub" && echo "$GRUB_CMDLINE_LINUX")

step "fstab and GRUB files (root UUID $root_uuid, ESP $esp_uuid, kernel $kver)"
cat >"$root/etc/fstab" <<FSTAB
# <file system> <mount point> <type> <options> <dump> <pass>
UUID=$root_uuid / ext4 errors=remount-ro 0 1
UUID=$esp_uuid /boot/efi vfat umask=0077 0 1
FSTAB
mkdir -p "$root/boot/efi" "$root/boot/grub"
cp -r "$root/usr/lib/grub/i386-pc" "$root/usr/lib/grub/x86_64-efi" "$root/boot/grub/"
rm -f "$root"/boot/grub/*/*.image "$root"/boot/grub/*/*.module
cat >"$root/boot/grub/grub.cfg" <<GRUBCFG
# Written by byol's build-byoi.sh; update-grub replaces it.
set timeout=1
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
insmod part_gpt
insmod ext2
insmod gzio
search --no-floppy --fs-uuid --set=root $root_uuid
menuentry 'Debian GNU/Linux 12 ($kver)' {
  linux /boot/vmlinuz-$kver root=UUID=$root_uuid ro $cmdline
  initrd /boot/initrd.img-$kver
}
GRUBCFG
mkdir -p "$grubtmp"
# The ESP's grub.cfg: Debian's own stub, finding the root by UUID.
printf "search.fs_uuid %s root\nset prefix=(\$root)'/boot/grub'\nconfigfile \$prefix/grub.cfg\n" "$root_uuid" \
  >"$grubtmp/esp-grub.cfg"
# The BIOS core image's embedded config, as grub-install's load.cfg.
printf "search.fs_uuid %s root\nset prefix=(\$root)'/boot/grub'\n" "$root_uuid" >"$grubtmp/load.cfg"
efi_modules="part_gpt part_msdos fat ext2 normal configfile search search_fs_uuid search_label search_fs_file
  linux boot gzio echo test ls cat all_video efi_gop serial terminal terminfo reboot halt loadenv"
# shellcheck disable=SC2086
{
  chroot "$root" grub-mkimage -O x86_64-efi -p /EFI/debian -o /tmp/byol-grub/grubx64.efi $efi_modules
  chroot "$root" grub-mkimage -O x86_64-efi -p /EFI/BOOT -o /tmp/byol-grub/BOOTX64.EFI $efi_modules
  chroot "$root" grub-mkimage -O i386-pc -p /boot/grub -c /tmp/byol-grub/load.cfg -o /tmp/byol-grub/core.img \
    biosdisk part_gpt ext2 search_fs_uuid
}
cp "$root/usr/lib/grub/i386-pc/boot.img" "$grubtmp/"
mv "$grubtmp" "$work/grub"

step "ESP: mkfs.vfat + mtools"
esp=$work/esp.img
mkfs.vfat -F 32 -n EFI -i "$esp_serial" -C "$esp" $((esp_sectors / 2)) >/dev/null
mmd -i "$esp" ::/EFI ::/EFI/debian ::/EFI/BOOT
mcopy -i "$esp" "$work/grub/grubx64.efi" ::/EFI/debian/grubx64.efi
mcopy -i "$esp" "$work/grub/esp-grub.cfg" ::/EFI/debian/grub.cfg
mcopy -i "$esp" "$work/grub/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$work/grub/esp-grub.cfg" ::/EFI/BOOT/grub.cfg

step "root: mkfs.ext4 -d (${root_kib} KiB)"
rootimg=$work/root.img
mkfs.ext4 -q -F -L root -U "$root_uuid" -d "$root" "$rootimg" "${root_kib}k"

step "GPT disk (${disk_mib} MiB, sparse)"
disk=$work/disk.raw
truncate -s "${disk_mib}M" "$disk"
sgdisk -a 2048 \
  -n "1:$esp_start:$((esp_start + esp_sectors - 1))" -t 1:ef00 -c 1:EFI \
  -n "3:$bios_start:$((bios_start + bios_sectors - 1))" -t 3:ef02 -c 3:BIOS \
  -n "2:$root_start:$root_end" -t 2:8300 -c 2:root "$disk" >/dev/null
dd if="$esp" of="$disk" bs=512 seek="$esp_start" conv=notrunc,sparse status=none
dd if="$rootimg" of="$disk" bs=1M seek="$((root_start / 2048))" conv=notrunc,sparse status=none
rm -f "$esp" "$rootimg"

step "grub-bios-setup (boot.img in the MBR, core.img in the BIOS boot partition)"
# grub-bios-setup insists on finding the block device of its -d directory (it only reports it for an
# embedded core.img): a small loop-mounted ext4 holds boot.img and core.img, and the device map names it.
mkdir "$root/tmp/byol-disk" "$root/tmp/byol-grubdir"
mv "$disk" "$root/tmp/byol-disk/"
truncate -s 8M "$work/grubdir.img"
mkfs.ext4 -q -F "$work/grubdir.img"
chroot_mounts=("$root/tmp/byol-grubdir" "$root/proc" "$root/sys" "$root/dev")
unmount_all() { for m in "${chroot_mounts[@]}"; do if mountpoint -q "$m"; then umount "$m"; fi; done; }
trap unmount_all EXIT
mount -o loop "$work/grubdir.img" "$root/tmp/byol-grubdir"
cp "$work/grub/boot.img" "$work/grub/core.img" "$root/tmp/byol-grubdir/"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
printf '(hd0) /tmp/byol-disk/disk.raw\n(hd1) %s\n' "$(findmnt -n -o SOURCE "$root/tmp/byol-grubdir")" \
  >"$root/tmp/byol-disk/device.map"
chroot "$root" /usr/lib/grub/i386-pc/grub-bios-setup -d /tmp/byol-grubdir -m /tmp/byol-disk/device.map \
  /tmp/byol-disk/disk.raw
unmount_all
trap - EXIT
mv "$root/tmp/byol-disk/disk.raw" "$out"
rm -rf --one-file-system "$root" "$work/grub" "$work/grubdir.img"
sgdisk -p "$out" | sed -n '/^Number/,$p'
step "done"

#!/bin/bash
# Runs in a byol rescue VM: installs a BYOLinux image by hand, the way OVH's documents describe (no byol),
# so the image and its make_image_bootable.sh can be judged on their own. Two disks, RAID1 root
# (plus an ESP on each disk for UEFI, or a BIOS boot partition on each for legacy BIOS).
# Usage: try-install.sh IMAGE.qcow2 uefi|bios DISK1 DISK2
set -euo pipefail
image=$1 firmware=$2 d1=$3 d2=$4
say() { echo "try-install: $*"; }
part() { if [[ $1 == *[0-9] ]]; then echo "$1p$2"; else echo "$1$2"; fi; }

say "partitioning $d1 $d2 ($firmware)"
for d in "$d1" "$d2"; do
  sgdisk -Z "$d" >/dev/null
  if [[ $firmware == uefi ]]; then
    sgdisk -n 1:0:+128M -t 1:ef00 -n 2:0:0 -t 2:fd00 "$d" >/dev/null
  else
    sgdisk -n 1:0:+1M -t 1:ef02 -n 2:0:0 -t 2:fd00 "$d" >/dev/null
  fi
done
udevadm settle
mdadm --create /dev/md0 --run --quiet --level=1 --raid-devices=2 --metadata=1.2 "$(part "$d1" 2)" "$(part "$d2" 2)"
mkfs.ext4 -q -F /dev/md0
mkdir -p /tmp/a
mount /dev/md0 /tmp/a
if [[ $firmware == uefi ]]; then
  for d in "$d1" "$d2"; do mkfs.vfat -F 32 -n EFI_SYSPART "$(part "$d" 1)" >/dev/null; done
  mkdir -p /tmp/a/boot/efi
  mount "$(part "$d1" 1)" /tmp/a/boot/efi
fi

say "copying $image"
# Into RAM first, as byol downloads it: qemu-nbd reading over 9p made the rsync several times slower.
cp "$image" /dev/shm/image.qcow2
modprobe nbd
qemu-nbd -r -f qcow2 -c /dev/nbd0 /dev/shm/image.qcow2
for _ in $(seq 50); do [[ -b /dev/nbd0p1 ]] && break; sleep 0.2; done
mkdir -p /dev/shm/image
mount -o ro /dev/nbd0p1 /dev/shm/image
rsync -aHAXS --numeric-ids -x /dev/shm/image/ /tmp/a/
umount /dev/shm/image
qemu-nbd -d /dev/nbd0 >/dev/null
rm -f /dev/shm/image.qcow2

say "fstab and mdadm.conf"
{
  echo "UUID=$(blkid -s UUID -o value /dev/md0) / ext4 errors=remount-ro 0 1"
  if [[ $firmware == uefi ]]; then
    echo "UUID=$(blkid -s UUID -o value "$(part "$d1" 1)") /boot/efi vfat umask=0077 0 1"
  fi
} >>/tmp/a/etc/fstab
mkdir -p /tmp/a/etc/mdadm
{
  echo "HOMEHOST <system>"
  mdadm --detail --scan
} >/tmp/a/etc/mdadm/mdadm.conf

say "running make_image_bootable.sh"
for m in dev dev/pts proc sys run; do mount --bind "/$m" "/tmp/a/$m"; done
if [[ -d /sys/firmware/efi/efivars ]]; then mount --bind /sys/firmware/efi/efivars /tmp/a/sys/firmware/efi/efivars; fi
rc=0
chroot /tmp/a /root/.ovh/make_image_bootable.sh || rc=$?
say "make_image_bootable.sh exited with $rc"
umount -R /tmp/a
mdadm --stop /dev/md0 >/dev/null
sync
exit "$rc"

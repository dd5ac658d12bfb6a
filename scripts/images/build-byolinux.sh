#!/bin/bash
# Builds a BYOLinux (byolinux_64) fixture image from the shared rootfs tar, as root: a GPT disk with exactly
# one partition (8300, at 1 MiB), formatted FSTYPE, holding the system and SCRIPT as
# /root/.ovh/make_image_bootable.sh (0755), written as a compressed qcow2.
#   ext4: mkfs.ext4 -d from the extracted tree, no mount.
#   xfs:  mkfs.xfs on a plain file, loop-mounted (no partition table involved), tar extracted into it.
# Usage: build-byolinux.sh ROOTFS_TAR FSTYPE SCRIPT OUT.qcow2 WORK_DIR
set -euo pipefail
tar=$1 fstype=$2 script=$3 out=$4 work=$5
step() { echo "byolinux: $* (+$SECONDS s)"; }
part=$work/part.img disk=$work/disk.raw mnt=$work/mnt
untar() { tar --numeric-owner --xattrs --xattrs-include='*' --acls -xpf "$tar" -C "$1"; }
add_script() { install -D -m 0755 -o 0 -g 0 "$script" "$1/root/.ovh/make_image_bootable.sh"; }

# Partition size: the tree plus 30% and 64 MiB, a whole number of MiB.
tree_mib=$(($(tar -tvf "$tar" | awk '{ s += $3 } END { printf "%d", s / 1048576 }') + 1))
size_mib=$((tree_mib * 13 / 10 + 64))

case $fstype in
ext4)
  step "extracting the tree"
  mkdir "$work/root"
  untar "$work/root"
  add_script "$work/root"
  step "mkfs.ext4 -d (${size_mib} MiB)"
  mkfs.ext4 -q -F -L rootfs -d "$work/root" "$part" "${size_mib}M"
  rm -rf "$work/root"
  ;;
xfs)
  ((size_mib >= 320)) || size_mib=320 # mkfs.xfs refuses file systems under 300 MB
  step "mkfs.xfs (${size_mib} MiB), loop mount, extract"
  truncate -s "${size_mib}M" "$part"
  mkfs.xfs -q -f -L rootfs "$part"
  mkdir "$mnt"
  trap 'mountpoint -q "$mnt" && umount "$mnt"' EXIT
  mount -o loop "$part" "$mnt"
  untar "$mnt"
  add_script "$mnt"
  umount "$mnt"
  trap - EXIT
  ;;
*)
  echo "byolinux: unknown file system '$fstype' (ext4 or xfs)" >&2
  exit 2
  ;;
esac

step "GPT disk with one partition"
part_bytes=$(stat -c %s "$part")
truncate -s $((part_bytes + 2 * 1048576)) "$disk"
sgdisk -a 2048 -n "1:2048:$((2048 + part_bytes / 512 - 1))" -t 1:8300 -c 1:rootfs "$disk" >/dev/null
dd if="$part" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$part"
sgdisk -p "$disk" | sed -n '/^Number/,$p'

# zstd rather than qcow2's default zlib: same size here, and qemu-nbd in the (emulated) rescue
# decompresses it in less than half the CPU time during the copy.
step "qemu-img convert -c -o compression_type=zstd -O qcow2"
qemu-img convert -c -o compression_type=zstd -O qcow2 "$disk" "$out"
rm -f "$disk"
step "done ($(($(stat -c %s "$out") / 1048576)) MiB)"

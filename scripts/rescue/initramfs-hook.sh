#!/bin/sh
# initramfs-tools hook of the byol rescue system: with MODULES=list, these are the only
# modules in the initrd, and they are loaded at boot to find the ext4 root on virtio.
case "$1" in prereqs) exit 0 ;; esac
. /usr/share/initramfs-tools/hook-functions
for m in virtio_pci virtio_blk virtio_scsi ext4; do force_load "$m"; done

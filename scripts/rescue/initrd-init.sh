#!/bin/busybox sh
# /init of the byol rescue initrd: loads the virtio and ext4 modules, mounts the root disk
# (root=, default /dev/vda) and hands over to init= (default /sbin/byol-init). A few hundred
# milliseconds instead of initramfs-tools' hooks (mdadm, lvm, btrfs scans) under TCG.
/bin/busybox mkdir -p /proc /sys /dev /root
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r ko; do insmod "$ko" 2>/dev/null; done </modules.order
root=/dev/vda init=/sbin/byol-init
for w in $(cat /proc/cmdline); do
  case "$w" in root=*) root=${w#root=} ;; init=*) init=${w#init=} ;; esac
done
i=0
while [ ! -b "$root" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
# On failure init exits: with panic=-1 the kernel reboots, and QEMU -no-reboot ends.
mount -t ext4 -o rw "$root" /root || { echo "byol-initrd: cannot mount $root" >/dev/console; exit 1; }
mount --move /dev /root/dev
umount /proc /sys
exec switch_root /root "$init"

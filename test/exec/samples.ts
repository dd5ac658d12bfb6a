// Captured kernel views, shared by the leftovers and cleanup tests.

// /proc/self/mounts of a rescue system after a run was killed during make_image_bootable.sh
export const MOUNTS = `sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0
/dev/md1 /tmp/a ext4 rw,relatime 0 0
/dev/md0 /tmp/a/boot ext4 rw,relatime 0 0
/dev/sda1 /tmp/a/boot/efi vfat rw,relatime,fmask=0077 0 0
udev /tmp/a/dev devtmpfs rw,nosuid,relatime 0 0
proc /tmp/a/proc proc rw,nosuid,nodev,noexec,relatime 0 0
/dev/nbd0p1 /dev/shm/image ext4 ro,relatime 0 0
/dev/sdc1 /tmp/ab ext4 rw,relatime 0 0
/dev/sdd1 /mnt/with\\040space ext4 rw,relatime 0 0
tmpfs /tmp/a/run tmpfs rw,nosuid,nodev 0 0
`;

// /proc/mdstat with the run's arrays, an array on other disks and an inactive one
export const MDSTAT = `Personalities : [raid1] [raid0] [linear] [multipath] [raid6] [raid5] [raid4] [raid10]
md1 : active raid1 sdb3[1] sda3[0]
      487253312 blocks super 1.2 [2/2] [UU]
      bitmap: 1/4 pages [4KB], 65536KB chunk

md0 : active raid1 sdb2[1] sda2[0]
      1046528 blocks super 1.2 [2/2] [UU]

md127 : active raid1 nvme1n1p1[1] nvme0n1p1[0]
      1046528 blocks super 1.2 [2/2] [UU]

md5 : inactive sdc1[0](S)
      1046528 blocks super 1.2

unused devices: <none>
`;

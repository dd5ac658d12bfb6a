#!/bin/bash
# PID 1 of the byol rescue system. A few seconds instead of systemd's boot under TCG:
# mounts the API filesystems, runs udev, loads the storage modules, sets up the
# network statically, takes the SSH key and 9p shares from the kernel command line,
# starts sshd and prints BYOL-AGENT-READY on the console.
# Command line: byol.sshkey=<base64 authorized_keys> byol.shares=<tag>:<dir>[,<tag>:<dir>...]
#               byol.ip=<addr/len> byol.gw=<addr> byol.hostname=<name>
if [ "$$" = 1 ] && [ "${1:-}" != stage2 ]; then
  # tini reaps orphans, which a shell as PID 1 would leave as zombies.
  exec /usr/bin/tini -s -- "$0" stage2
fi
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
log() { echo "byol-init: $*" >/dev/console; }
[ -e /proc/self ] || mount -t proc -o nosuid,nodev,noexec proc /proc
mounts=$(</proc/mounts)
# Mounts unless something is mounted there already (the initrd moves /dev); no process per check.
mnt() {
  [[ "$mounts" == *" $3 "* ]] && return
  [ -d "$3" ] || mkdir -p "$3"
  mount -t "$1" -o "$4" "$2" "$3" || log "mount $3 failed"
}
mnt sysfs sysfs /sys nosuid,nodev,noexec
mnt devtmpfs devtmpfs /dev mode=0755,nosuid
mnt devpts devpts /dev/pts gid=5,mode=620,ptmxmode=000
mnt tmpfs tmpfs /dev/shm nosuid,nodev
mnt tmpfs tmpfs /run mode=0755,nosuid,nodev
mnt tmpfs tmpfs /tmp mode=1777,nosuid,nodev
[ -d /sys/firmware/efi/efivars ] && mnt efivarfs efivarfs /sys/firmware/efi/efivars nosuid,nodev,noexec
mkdir -p /run/lock /run/sshd /run/mdadm

cmdline=$(</proc/cmdline)
param() { # value of kernel parameter $1, or $2
  local w
  for w in $cmdline; do
    case "$w" in "$1="*) echo "${w#*=}"; return ;; esac
  done
  echo "${2:-}"
}
hostname "$(param byol.hostname byol-rescue)"

/lib/systemd/systemd-udevd --daemon --resolve-names=never
# The storage modules load while udev replays the hardware's events.
modprobe -a md_mod raid0 raid1 raid456 raid10 nbd vfat 9p 9pnet_virtio dm_mod virtio_net 2>/dev/null ||
  log "some modules failed to load" &
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
wait

ip link set lo up
dev=eth0
for _ in {1..50}; do [ -e /sys/class/net/$dev ] && break; sleep 0.1; done
ip link set "$dev" up && ip addr add "$(param byol.ip 10.0.2.15/24)" dev "$dev" &&
  ip route add default via "$(param byol.gw 10.0.2.2)" || log "network setup on $dev failed"

key=$(param byol.sshkey)
if [ -n "$key" ]; then
  install -d -m 700 /root/.ssh
  echo "$key" | base64 -d >/root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
fi
shares=$(param byol.shares)
for s in ${shares//,/ }; do
  mkdir -p "${s#*:}"
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro "${s%%:*}" "${s#*:}" ||
    log "mount of share ${s%%:*} failed"
done

/usr/sbin/sshd || log "sshd failed"
udevadm settle --timeout=30
log "up in $(cut -d' ' -f1 /proc/uptime) s"
echo BYOL-AGENT-READY >/dev/console
while :; do sleep 3600; done

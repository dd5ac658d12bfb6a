#!/bin/bash
# Makes ROOT (a Debian bookworm tree with systemd-sysv) boot like OVHcloud's rescue-customer system: systemd and
# udev, DHCP on the first Ethernet interface, sshd with root's key, and no Node or byol. What the rig adds, and a
# real rescue gets elsewhere:
#   - root's key from the kernel command line (byol.sshkey=<base64 authorized_keys>; OVH puts the account's
#     rescue key in place),
#   - BYOL-AGENT-READY on the console once sshd runs (the rig waits for it),
#   - apt's source: the flat repository REPO_DIR built here, served by the rig at http://10.0.2.101/ in place of
#     Debian's mirror (no other network is reachable).
# Usage: stock-customize.sh ROOT REPO_DIR
set -euo pipefail
root=$1 repo=$2

# systemd-networkd: DHCP on any Ethernet interface, as the rescue does on the server's public interface.
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n' >"$root/etc/systemd/network/10-rescue.network"
ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"

cat >"$root/usr/local/sbin/rescue-authorized-key" <<'SH'
#!/bin/sh
# root's authorized_keys from byol.sshkey= on the kernel command line (base64).
for w in $(cat /proc/cmdline); do
  case "$w" in byol.sshkey=*) key=${w#byol.sshkey=} ;; esac
done
[ -n "${key:-}" ] || exit 0
install -d -m 700 /root/.ssh
echo "$key" | base64 -d >/root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
SH
chmod 755 "$root/usr/local/sbin/rescue-authorized-key"
cat >"$root/etc/systemd/system/rescue-authorized-key.service" <<'UNIT'
[Unit]
Description=root's SSH key from the kernel command line (the rig's stand-in for OVH's rescue key)
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/rescue-authorized-key

[Install]
WantedBy=multi-user.target
UNIT
cat >"$root/etc/systemd/system/rescue-ready.service" <<'UNIT'
[Unit]
Description=Tell the rig the rescue system is up
After=ssh.service rescue-authorized-key.service systemd-networkd.service

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo BYOL-AGENT-READY >/dev/console'

[Install]
WantedBy=multi-user.target
UNIT
for u in rescue-authorized-key rescue-ready; do
  ln -sf "/etc/systemd/system/$u.service" "$root/etc/systemd/system/multi-user.target.wants/$u.service"
done
# Nothing waits for a network that a rescue system does not need to be "online".
rm -f "$root/etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service"
# Timers that would start apt or man-db jobs in the middle of an install.
rm -f "$root"/etc/systemd/system/timers.target.wants/{apt-daily,apt-daily-upgrade,man-db,e2scrub_all,fstrim}.timer

# apt's source: the rig's repository of the left-out packages.
echo 'deb [trusted=yes] http://10.0.2.101/ ./' >"$root/etc/apt/sources.list"
rm -f "$root"/etc/apt/sources.list.d/*

# A flat repository: the .debs, Packages and an unsigned Release (the source is [trusted=yes]).
cd "$repo"
: >Packages
for deb in *.deb; do
  dpkg-deb -f "$deb" >>Packages
  printf 'Filename: ./%s\nSize: %s\nSHA256: %s\n\n' "$deb" "$(stat -c %s "$deb")" "$(sha256sum "$deb" | cut -d' ' -f1)" >>Packages
done
gzip -9kn Packages
{
  printf 'Origin: byol rig\nLabel: byol rig\nSuite: stable\nCodename: bookworm\nDate: %s\nSHA256:\n' "$(date -Ru)"
  for f in Packages Packages.gz; do printf ' %s %s %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"; done
} >Release
echo "stock rescue: repository with $(ls ./*.deb | wc -l) packages ($(du -sh . | cut -f1))"

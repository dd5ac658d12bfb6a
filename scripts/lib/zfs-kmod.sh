#!/bin/bash
# The ZFS kernel modules for one Debian kernel, compiled once by zfs-dkms (Debian 12 contrib) in a scratch
# Debian tree and cached as a small Debian package, zfs-modules-KVER (Provides: zfs-modules, which
# zfsutils-linux recommends). The rescue systems and the ZFS fixture image install that same package: the
# build needs the kernel's headers and a compiler and takes many minutes (far longer under load), so it is
# done once per kernel and ZFS version, never in a rescue or at install time.
#   ${BYOL_CACHE:-~/.cache/byol}/zfs-kmod/zfs-modules-KVER_ZFSVER_KEY.deb, KEY from this file's content only
#   (debian-tree.sh's options do not change what dkms compiles; a rebuild costs a quarter of an hour or more)
# Usage (as root): zfs-kmod.sh KVER ZFS_VERSION      prints the package's path, building it when not cached
#   KVER: the kernel release (6.1.0-57-amd64); ZFS_VERSION: the Debian version of zfsutils-linux it must match
# zfs-install.sh puts the package into a Debian tree; scripts/rescue and scripts/images call that one.
# BYOL_DEBIAN_MIRROR overrides mmdebstrap's default mirrors (debian-tree.sh).
set -euo pipefail
kver=$1 zver=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=debian-tree.sh
source "$here/debian-tree.sh"
cache=${BYOL_CACHE:-$HOME/.cache/byol}/zfs-kmod
key=$(sha256sum "$here/zfs-kmod.sh" | cut -c1-16)
deb=$cache/zfs-modules-${kver}_${zver}_${key}.deb
if [[ -f "$deb" ]]; then
  touch "$deb"
  echo "$deb"
  exit 0
fi
step() { echo "zfs-kmod: $* (+$SECONDS s)" >&2; }
mkdir -p "$cache"
work=$cache/.work-$$
trap 'rm -rf "$work"' EXIT
rm -rf "$work"
mkdir -p "$work"

step "dkms build of zfs $zver for $kver (headers, compiler and zfs-dkms from bookworm main and contrib)"
export BYOL_KVER=$kver BYOL_ZFS_UPSTREAM=${zver%%-*}
# zfs-dkms's postinst builds for the kernels whose headers are installed; the hook builds (again, a no-op
# when done) for KVER by name, so a postinst that only looked at the running kernel changes nothing. Debug
# symbols are most of a module's size and nothing uses them: stripped with the tree's own binutils.
# shellcheck disable=SC2016 # expanded by mmdebstrap's shell, with $1 the tree
debian_tree "$work/root" "linux-headers-$kver,zfs-dkms=$zver" --components=main,contrib \
  --customize-hook='chroot "$1" sh -c "ls /var/lib/dkms/zfs/$BYOL_ZFS_UPSTREAM/$BYOL_KVER/x86_64/module/zfs.ko* >/dev/null 2>&1 || dkms build zfs/$BYOL_ZFS_UPSTREAM -k $BYOL_KVER"' \
  --customize-hook='chroot "$1" find /var/lib/dkms/zfs/$BYOL_ZFS_UPSTREAM/$BYOL_KVER -name \*.ko -exec strip --strip-debug {} +' \
  >&2
mods=$(find "$work/root/var/lib/dkms/zfs" -path "*/$kver/x86_64/module/*" -name '*.ko*')
grep -q '/zfs\.ko' <<<"$mods" || {
  echo "zfs-kmod: dkms built no zfs.ko for $kver" >&2
  find "$work/root/var/lib/dkms/zfs" -name make.log -exec tail -n 30 {} + >&2 || true
  exit 1
}

step "package zfs-modules-$kver $zver"
pkg=$work/pkg
dest=$pkg/lib/modules/$kver/updates/dkms
install -d "$dest" "$pkg/DEBIAN"
while read -r ko; do install -m 644 "$ko" "$dest/"; done <<<"$mods"
cat >"$pkg/DEBIAN/control" <<EOF
Package: zfs-modules-$kver
Version: $zver
Architecture: amd64
Maintainer: byol <byol@localhost>
Section: contrib/kernel
Priority: optional
Depends: linux-image-$kver
Provides: zfs-modules (= $zver)
Description: ZFS kernel modules for Linux $kver
 Built by byol's scripts/lib/zfs-kmod.sh with zfs-dkms $zver from Debian 12 contrib.
EOF
printf '#!/bin/sh\nset -e\ndepmod -a %s || true\n' "$kver" >"$pkg/DEBIAN/postinst"
cp "$pkg/DEBIAN/postinst" "$pkg/DEBIAN/postrm"
chmod 755 "$pkg/DEBIAN/postinst" "$pkg/DEBIAN/postrm"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb.tmp" >&2
mv "$deb.tmp" "$deb"
step "done: $(ls -sh "$deb" | cut -d' ' -f1) ($(wc -l <<<"$mods") modules)"
echo "$deb"

// The pure builders of the installed system's files and of the copy: fstab, mdadm.conf,
// hostname/hosts, rsync progress lines, and where the image's bytes land.

import assert from "node:assert/strict";
import { test } from "node:test";
import { placement, sizeRefusal } from "../../agent/image/fit.ts";
import { buildFstab } from "../../agent/image/fstab.ts";
import { hostnameFile, hostsWith } from "../../agent/image/hostname.ts";
import { buildMdadmConf } from "../../agent/image/mdadm-conf.ts";
import { parseProgress2, splitLines } from "../../agent/image/rsync-progress.ts";

const ours = [
  { uuid: "r", mountPoint: "/", fileSystem: "ext4", options: "defaults", dump: 0, pass: 1 },
  { uuid: "b", mountPoint: "/boot", fileSystem: "ext4", options: "defaults", dump: 0, pass: 2 },
  { uuid: "E-F", mountPoint: "/boot/efi", fileSystem: "vfat", options: "umask=0077", dump: 0, pass: 1 },
  { uuid: "s", mountPoint: "swap", fileSystem: "swap", options: "sw", dump: 0, pass: 0 },
];

test("fstab: ours by UUID, the image's non-disk lines kept, its disk lines dropped", () => {
  const image = `# <file system> <mount point> <type> <options> <dump> <pass>
UUID=old-root / ext4 errors=remount-ro 0 1
LABEL=boot /boot ext4 defaults 0 2
/dev/sda3 none swap sw 0 0
PARTUUID=x /data xfs defaults 0 0
/swapfile none swap sw 0 0
tmpfs /tmp tmpfs defaults,size=2G 0 0
proc /proc proc defaults 0 0
/srv/a /var/www none bind 0 0
nas:/export /mnt/nas nfs defaults,_netdev 0 0
tmpfs /boot/efi tmpfs defaults 0 0
`;
  assert.equal(
    buildFstab(ours, image),
    `# /etc/fstab written by byol: the filesystems of this install, by UUID
UUID=r\t/\text4\tdefaults\t0\t1
UUID=b\t/boot\text4\tdefaults\t0\t2
UUID=E-F\t/boot/efi\tvfat\tumask=0077\t0\t1
UUID=s\tnone\tswap\tsw\t0\t0

# kept from the image's own /etc/fstab
tmpfs /tmp tmpfs defaults,size=2G 0 0
proc /proc proc defaults 0 0
/srv/a /var/www none bind 0 0
nas:/export /mnt/nas nfs defaults,_netdev 0 0
`,
  );
  assert.doesNotMatch(buildFstab(ours, undefined), /kept/);
});

test("fstab: ZFS datasets have no line, and the image's lines for their mount points are dropped", () => {
  const ours = [{ uuid: "r", mountPoint: "/", fileSystem: "ext4", options: "defaults", dump: 0, pass: 1 }];
  const image = "tmpfs /data tmpfs defaults 0 0\ntmpfs /srv/cache tmpfs defaults 0 0\ntmpfs /tmp tmpfs defaults 0 0\n";
  assert.equal(
    buildFstab(ours, image, ["/data", "/srv/cache"]),
    `# /etc/fstab written by byol: the filesystems of this install, by UUID
UUID=r\t/\text4\tdefaults\t0\t1
# ZFS datasets, mounted by zfs-mount once their pools are imported: /data /srv/cache

# kept from the image's own /etc/fstab
tmpfs /tmp tmpfs defaults 0 0
`,
  );
});

test("mdadm.conf: the image's settings without its arrays, then this install's", () => {
  const image =
    "HOMEHOST <system>\nMAILADDR root\nARRAY /dev/md/0 metadata=1.2\n   UUID=a:b:c:d name=old:0\nCREATE owner=root\n\n";
  const scan =
    "ARRAY /dev/md0 metadata=1.0 name=any:md0 UUID=1:2:3:4\nARRAY /dev/md1 metadata=1.2 name=any:md1 UUID=5:6:7:8\n";
  assert.equal(
    buildMdadmConf(image, scan),
    "HOMEHOST <system>\nMAILADDR root\nCREATE owner=root\n\n# arrays of this install (mdadm --detail --scan)\nARRAY /dev/md0 metadata=1.0 name=any:md0 UUID=1:2:3:4\nARRAY /dev/md1 metadata=1.2 name=any:md1 UUID=5:6:7:8\n",
  );
  assert.equal(buildMdadmConf(undefined, ""), "# arrays of this install (mdadm --detail --scan)\n");
});

test("hostname and hosts", () => {
  assert.equal(hostnameFile("web1.example.com"), "web1\n");
  assert.equal(
    hostsWith("127.0.0.1 localhost\n127.0.1.1 debian\n::1 localhost\n", "web1.example.com"),
    "127.0.0.1 localhost\n127.0.1.1\tweb1.example.com web1\n::1 localhost\n",
  );
  assert.equal(
    hostsWith("127.0.0.1 localhost\n::1 ip6-localhost\n", "web1"),
    "127.0.0.1 localhost\n127.0.1.1\tweb1\n::1 ip6-localhost\n",
  );
  assert.equal(hostsWith(undefined, "web1"), "127.0.0.1\tlocalhost\n127.0.1.1\tweb1\n");
});

test("rsync --info=progress2 lines", () => {
  assert.deepEqual(parseProgress2("      1,234,567  45%   12.34MB/s    0:00:05 (xfr#12, to-chk=3/40)"), {
    bytes: 1234567,
    percent: 45,
  });
  assert.equal(parseProgress2("sending incremental file list"), undefined);
  const first = splitLines("", "  32,768  50%  1MB/s  0:00:00\r  65,5");
  assert.deepEqual(first, { lines: ["  32,768  50%  1MB/s  0:00:00"], rest: "  65,5" });
  assert.deepEqual(splitLines(first.rest, "36 100%  1MB/s  0:00:00 (xfr#1, to-chk=0/1)\n").lines, [
    "  65,536 100%  1MB/s  0:00:00 (xfr#1, to-chk=0/1)",
  ]);
});

test("fit: each target gets its subtree less the nested ones; the first that overflows is named", () => {
  const targets = [
    { path: "", device: "/dev/md1", availableBytes: 1000 },
    { path: "boot", device: "/dev/md0", availableBytes: 300 },
    { path: "boot/efi", device: "/dev/sda1", availableBytes: 100 },
  ];
  const subtrees = new Map([
    ["boot", 250],
    ["boot/efi", 50],
  ]);
  const placed = placement(1100, targets, subtrees);
  assert.deepEqual(
    placed.map((p) => p.bytes),
    [850, 200, 50],
  );
  assert.equal(sizeRefusal(placed), undefined);
  assert.equal(
    sizeRefusal(placement(1300, targets, subtrees)),
    "image provided has a size of 1050 bytes which is larger than /dev/md1 of 1000 bytes",
  );
  assert.equal(
    sizeRefusal(placement(500, targets, new Map([["boot", 400]]))),
    "image provided has a size of 400 bytes which is larger than /dev/md0 of 300 bytes",
  );
});

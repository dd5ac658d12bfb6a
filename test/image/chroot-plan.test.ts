// The chroot's mount plan: what a rescue lacks is added, what it has is bound, in an order where
// every mount point exists before it is used; the teardown (chroot.ts) runs it backwards.

import assert from "node:assert/strict";
import { test } from "node:test";
import { type ChrootAction, mountArgv, planChroot, type RescueFacts } from "../../agent/image/chroot-plan.ts";

const booted: RescueFacts = {
  dev: "/dev",
  devEntries: new Set(["fd", "stdin", "stdout", "stderr", "pts", "shm", "disk", "null", "vda"]),
  devPtsMounted: true,
  efivars: true,
  mdstat: true,
  run: true,
};
// The rig's old rescue: a custom init, devtmpfs with no links, no udev, no devpts, BIOS.
const bare: RescueFacts = {
  dev: "/dev",
  devEntries: new Set(["null", "vda"]),
  devPtsMounted: false,
  efivars: false,
  mdstat: false,
  run: false,
};

const show = (a: ChrootAction) =>
  a.kind === "bind"
    ? `bind ${a.source} ${a.target}`
    : a.kind === "mount"
      ? `${a.fstype} ${a.target}`
      : a.kind === "dev-symlink"
        ? `link ${a.target} -> ${a.link}`
        : `${a.kind} ${a.target}`;

test("a rescue booted like Debian (systemd, udev, UEFI): its /dev is bound as it is, /dev/shm stays private", () => {
  assert.deepEqual(planChroot(booted).map(show), [
    "bind /dev /dev",
    "bind /dev/pts /dev/pts",
    "tmpfs /dev/shm",
    "bind /proc /proc",
    "bind /sys /sys",
    "bind /sys/firmware/efi/efivars /sys/firmware/efi/efivars",
    "bind /run /run",
    "tmpfs /tmp",
  ]);
});

test("a bare rescue: fd and std* links, devpts, /dev/shm, by-* links and /run are supplied", () => {
  assert.deepEqual(planChroot(bare).map(show), [
    "bind /dev /dev",
    "dev-mkdir /dev/pts",
    "devpts /dev/pts",
    "dev-mkdir /dev/shm",
    "tmpfs /dev/shm",
    "link /dev/fd -> /proc/self/fd",
    "link /dev/stdin -> /proc/self/fd/0",
    "link /dev/stdout -> /proc/self/fd/1",
    "link /dev/stderr -> /proc/self/fd/2",
    "dev-mkdir /dev/disk",
    "tmpfs /dev/disk",
    "disk-links /dev/disk",
    "kernel-module /proc/mdstat",
    "bind /proc /proc",
    "bind /sys /sys",
    "tmpfs /run",
    "tmpfs /tmp",
  ]);
});

test("only the missing links are made; a devpts directory that exists is not made again", () => {
  const facts = { ...bare, devEntries: new Set(["fd", "stderr", "pts", "shm"]) };
  const plan = planChroot(facts).map(show);
  assert.deepEqual(
    plan.filter((s) => s.startsWith("link") || s.startsWith("dev-mkdir")),
    ["link /dev/stdin -> /proc/self/fd/0", "link /dev/stdout -> /proc/self/fd/1", "dev-mkdir /dev/disk"],
  );
});

test("every mount point under /dev exists (in the rescue, or made) before it is mounted on", () => {
  for (const facts of [booted, bare, { ...bare, devEntries: new Set(["pts"]) }]) {
    const made = new Set<string>();
    for (const a of planChroot(facts)) {
      if (a.kind === "dev-mkdir") made.add(a.target);
      const under = (a.kind === "mount" || a.kind === "bind") && a.target.startsWith("/dev/") ? a.target : undefined;
      if (under !== undefined) {
        const name = under.slice("/dev/".length);
        assert.ok(facts.devEntries.has(name) || made.has(under), `${under} exists before its mount`);
      }
    }
  }
});

test("/dev is bound first and nothing of /dev comes after /proc: the links point into /proc", () => {
  const plan = planChroot(bare);
  assert.equal(show(plan[0]!), "bind /dev /dev");
  const lastDev = plan.findLastIndex((a) => a.target.startsWith("/dev"));
  const proc = plan.findIndex((a) => a.target === "/proc");
  assert.ok(lastDev < proc);
});

test("the md module is loaded only when the rescue has no /proc/mdstat (Debian's mkconf fails without it)", () => {
  const md = (facts: RescueFacts) => planChroot(facts).filter((a) => a.kind === "kernel-module");
  assert.deepEqual(md({ ...booted, mdstat: false }), [
    { kind: "kernel-module", module: "md_mod", target: "/proc/mdstat" },
  ]);
  assert.deepEqual(md(booted), []);
});

test("binds are slaves (no propagation back into the rescue), mounts carry their options", () => {
  assert.deepEqual(mountArgv({ kind: "bind", source: "/dev", target: "/dev" }, "/tmp/a/dev"), [
    "mount",
    "--bind",
    "--make-slave",
    "/dev",
    "/tmp/a/dev",
  ]);
  const devpts = planChroot(bare).find((a) => a.kind === "mount" && a.fstype === "devpts");
  assert.ok(devpts?.kind === "mount");
  assert.deepEqual(mountArgv(devpts, "/tmp/a/dev/pts"), [
    "mount",
    "-t",
    "devpts",
    "-o",
    "newinstance,ptmxmode=0666,mode=0620,gid=5",
    "byol-devpts",
    "/tmp/a/dev/pts",
  ]);
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cacheKey, cacheRoot } from "../../../scripts/vm/cache.ts";
import { rescueCmdline } from "../../../scripts/vm/cmdline.ts";
import { planDisks } from "../../../scripts/vm/disks.ts";
import { parseMachine } from "../../../scripts/vm/machine.ts";
import { commandLine, shellQuote } from "../../../scripts/vm/quote.ts";
import { sshArgs } from "../../../scripts/vm/ssh.ts";

describe("cacheKey", () => {
  it("depends on content and names, not on order", () => {
    const a = { name: "packages.txt", content: "gdisk\n" };
    const b = { name: "node-version", content: "v24.21.0" };
    assert.equal(cacheKey([a, b]), cacheKey([b, a]));
    assert.notEqual(cacheKey([a, b]), cacheKey([a, { ...b, content: "v24.21.1" }]));
    assert.notEqual(cacheKey([a]), cacheKey([{ ...a, name: "other.txt" }]));
    assert.match(cacheKey([a]), /^[0-9a-f]{64}$/);
  });

  it("does not let content run into the next name", () => {
    assert.notEqual(
      cacheKey([
        { name: "a", content: "bc" },
        { name: "d", content: "" },
      ]),
      cacheKey([
        { name: "a", content: "b" },
        { name: "d", content: "c" },
      ]),
    );
  });
});

describe("cacheRoot", () => {
  it("prefers BYOL_CACHE", () => {
    assert.equal(cacheRoot({ BYOL_CACHE: "/c" }), "/c");
    assert.match(cacheRoot({}), /\.cache\/byol$/);
  });
});

describe("shellQuote", () => {
  it("leaves plain words alone and single-quotes the rest", () => {
    assert.equal(shellQuote("/dev/vdb"), "/dev/vdb");
    assert.equal(shellQuote("a b"), "'a b'");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote(""), "''");
    assert.equal(commandLine(["echo", "$HOME", "x"]), "echo '$HOME' x");
    assert.equal(commandLine("echo $HOME"), "echo $HOME");
  });
});

describe("rescueCmdline", () => {
  it("carries the key as base64 and the shares as tag:path", () => {
    const line = rescueCmdline({ publicKey: "ssh-ed25519 AAAA k", mounts: [{ tag: "byol", guestPath: "/opt/byol" }] });
    assert.match(line, /root=\/dev\/vda rw init=\/sbin\/byol-init/);
    const key = /byol\.sshkey=(\S+)/.exec(line)?.[1] ?? "";
    assert.equal(Buffer.from(key, "base64").toString(), "ssh-ed25519 AAAA k\n");
    assert.match(line, /byol\.shares=byol:\/opt\/byol$/);
  });

  it("rejects guest paths the init script could not split", () => {
    assert.throws(() => rescueCmdline({ publicKey: "k", mounts: [{ tag: "t", guestPath: "/a b" }] }), /guest path/);
  });
});

describe("planDisks", () => {
  it("names, sizes and serials the disks, 512-byte sectors by default", () => {
    const disks = planDisks([{ sizeGiB: 4 }, { sizeGiB: 2, logicalBlockSize: 4096, serial: "4kn" }], "/vm");
    assert.deepEqual(disks, [
      { path: "/vm/disk0.raw", format: "raw", serial: "byol-disk-0", logicalBlockSize: 512, sizeBytes: 4 * 1024 ** 3 },
      { path: "/vm/disk1.raw", format: "raw", serial: "4kn", logicalBlockSize: 4096, sizeBytes: 2 * 1024 ** 3 },
    ]);
  });

  it("rejects empty and odd sizes", () => {
    assert.throws(() => planDisks([{ sizeGiB: 0 }], "/vm"), /sizeGiB/);
    assert.throws(() => planDisks([{ sizeGiB: 0.0000001 }], "/vm"), /whole MiB/);
  });
});

describe("parseMachine", () => {
  it("resolves share paths against the repo", () => {
    const m = parseMachine(
      JSON.stringify({ firmware: "bios", disks: [{ sizeGiB: 1 }], shares: [{ hostPath: ".", tag: "byol" }] }),
      "/repo",
    );
    assert.deepEqual(m.shares, [{ hostPath: "/repo", tag: "byol" }]);
    assert.equal(m.firmware, "bios");
  });

  it("names the bad field", () => {
    assert.throws(() => parseMachine(JSON.stringify({ firmware: "efi", disks: [] }), "/"), /firmware/);
    assert.throws(() => parseMachine(JSON.stringify({ firmware: "uefi", disks: [] }), "/"), /disks/);
    const bad = { firmware: "uefi", disks: [{ sizeGiB: 1, logicalBlockSize: 1024 }] };
    assert.throws(() => parseMachine(JSON.stringify(bad), "/"), /logicalBlockSize/);
  });
});

describe("sshArgs", () => {
  it("never checks or records host keys and ends with the command", () => {
    const args = sshArgs({ port: 2222, keyPath: "/k" }, "true");
    for (const o of ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "LogLevel=ERROR", "BatchMode=yes"]) {
      assert.ok(args.includes(o), o);
    }
    assert.deepEqual(args.slice(-3), ["root@127.0.0.1", "--", "true"]);
    assert.ok(args.join(" ").includes("-p 2222"));
  });
});

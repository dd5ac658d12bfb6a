// dist/byol on a Debian 12 with no Node: a fresh copy of a minimal Debian 12 tree (mmdebstrap
// --variant=minbase) with the executable at /byol, run with chroot. Run by `npm run test:exe`
// (scripts/executable/test.ts), which builds the executable and the cached tree and passes them in
// BYOL_EXE and BYOL_CHROOT_TAR. The image server is in this process, on 127.0.0.1 (a chroot shares
// the network). The download's sha512 is computed by the hash worker thread, inside the executable.

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { after, before, describe, it } from "node:test";
import { buildTestImage } from "../../fixtures/images/test-image.ts";
import { type Served, serve } from "../support/image-server.ts";

const repo = join(import.meta.dirname, "..", "..");
const exe = process.env["BYOL_EXE"] ?? join(repo, "dist", "byol");
const tar = process.env["BYOL_CHROOT_TAR"];
const version = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version;
const image = randomBytes(3 * 1024 * 1024 + 321);
const WRONG = "0".repeat(128);

let root: string;
let good = Buffer.alloc(0); // a byolinux qcow2 image, built by the fetch test
let server: Served;

before(async () => {
  assert.ok(tar !== undefined, "BYOL_CHROOT_TAR is not set: run this file with npm run test:exe");
  root = mkdtempSync(join(tmpdir(), "byol-exe-chroot-"));
  execFileSync("tar", ["-xf", tar, "-C", root]);
  copyFileSync(exe, join(root, "byol"));
  cpSync(join(repo, "fixtures", "requests"), join(root, "fixtures", "requests"), { recursive: true });
  cpSync(join(repo, "fixtures", "inventories"), join(root, "fixtures", "inventories"), { recursive: true });
  mkdirSync(join(root, "proc"), { recursive: true });
  execFileSync("mount", ["-t", "proc", "proc", join(root, "proc")]);
  server = await serve((req, res) => {
    const data = req.url === "/good.qcow2" ? good : image;
    res.writeHead(200, { "content-length": data.length });
    res.end(data);
  });
});

after(async () => {
  await server?.[Symbol.asyncDispose]();
  if (root === undefined) return;
  execFileSync("umount", ["-l", join(root, "proc")]);
  rmSync(root, { recursive: true, force: true });
});

// `chroot ROOT ARGV…` with a rescue system's environment, nothing of this process's.
async function inChroot(argv: string[], input = "", env: Record<string, string> = {}) {
  const child = spawn("chroot", [root, ...argv], {
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8", ...env },
  });
  child.stdin.on("error", () => {}); // a command that never reads its input
  child.stdin.end(input);
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  const [stdout, stderr, code] = await Promise.all([text(child.stdout), text(child.stderr), closed]);
  return { code, stdout, stderr };
}

const byol = (args: string[], input?: string, env?: Record<string, string>) => inChroot(["/byol", ...args], input, env);

function request(checksum: string): string {
  return JSON.stringify({
    operatingSystem: "byolinux_64",
    customizations: {
      hostname: "exe",
      imageURL: `${server.url}/image.qcow2`,
      imageType: "qcow2",
      imageCheckSum: checksum,
      imageCheckSumType: "sha512",
      httpHeaders: { Authorization: "Bearer exe-test-secret" },
    },
  });
}

// An install that cannot reach a disk: a disk that does not exist, state and records under /tmp.
function installEnv(): Record<string, string> {
  const inventory = "/fixtures/fake-disk.json";
  writeFileSync(
    join(root, inventory),
    JSON.stringify({
      firmware: "uefi",
      memoryBytes: 8 * 1024 ** 3,
      disks: [{ path: "/dev/byol-test-nonexistent-a", sizeBytes: 16 * 1024 ** 3, logicalSectorSize: 512 }],
    }),
  );
  const dir = mkdtempSync(join(root, "tmp", "run-")).slice(root.length);
  return { BYOL_TEST_INVENTORY: inventory, BYOL_RUN_DIR: dir, BYOL_REPORT_DIR: `${dir}/reports` };
}

describe("dist/byol in a Debian 12 chroot with no Node", { concurrency: 1 }, () => {
  it("has no node to lean on", async () => {
    const r = await inChroot(["/bin/sh", "-c", "command -v node nodejs"]);
    assert.notEqual(r.code, 0, r.stdout);
    assert.equal(r.stdout, "");
  });

  it("--version: package.json's version and the build's commit", async () => {
    const r = await byol(["--version"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^byol ${version.replaceAll(".", "\\.")} \\(commit [0-9a-f]{12}(-dirty)?, node v24\\.`),
    );
  });

  it("validate: a good request exit 0, a bad one exit 2 with its problem", async () => {
    const good = await byol(["validate", "--request", "/fixtures/requests/ovh-byolinux-reinstall.json"]);
    assert.equal(good.code, 0, good.stderr);
    const bad = await byol(["validate", "--request", "-"], '{"operatingSystem":"byolinux_64"}');
    assert.equal(bad.code, 2);
    assert.notEqual(bad.stderr, "");
  });

  it("plan --inventory: the same plan as bin/byol.mjs on this host", async () => {
    const args = [
      "plan",
      "--request",
      "fixtures/requests/byolinux-raid1.json",
      "--inventory",
      "fixtures/inventories/uefi-2disks.json",
    ];
    const inside = await inChroot(["/bin/sh", "-c", `cd / && /byol ${args.join(" ")}`]);
    assert.equal(inside.code, 0, inside.stderr);
    const host = execFileSync(process.execPath, [join(repo, "bin", "byol.mjs"), ...args], {
      cwd: repo,
      encoding: "utf8",
    });
    assert.equal(inside.stdout, host);
  });

  it("install downloads with the hash worker: a wrong sha512 is exit 3 with OVH's message and the real digest", async () => {
    const r = await byol(["install", "--request", "-", "--json", "--no-reboot"], request(WRONG), installEnv());
    assert.equal(r.code, 3, r.stderr);
    const result = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as { error?: { message: string } };
    const actual = createHash("sha512").update(image).digest("hex");
    assert.equal(result.error?.message, `Bad sha512 for downloaded file, got: ${actual} while expecting ${WRONG}.`);
    assert.ok(!r.stdout.includes("exe-test-secret"));
  });

  it("install --detach runs itself again in the background; status --follow exits with its code", async () => {
    const env = installEnv();
    const started = await byol(["install", "--detach", "--json", "--request", "-", "--no-reboot"], request(WRONG), env);
    assert.equal(started.code, 0, started.stderr);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    const followed = await byol(["status", "--follow", "--json", "--run", runId], "", env);
    assert.equal(followed.code, 3, followed.stderr);
    assert.match(followed.stdout.trim().split("\n").at(-1) ?? "", /"phase":"result","ok":false,"exitCode":3/);
    const status = await byol(["status", "--json"], "", env);
    assert.equal((JSON.parse(status.stdout) as { byol: { version: string } }).byol.version, version);
  });

  it("fetch, when this byol has it: a good image exit 0, a wrong checksum exit 3 with OVH's message", async (t) => {
    const help = await byol(["fetch", "--help"]);
    if (help.code !== 0) return t.skip("this byol has no fetch command yet");
    good = readFileSync(buildTestImage(mkdtempSync(join(tmpdir(), "byol-exe-image-")), "good", { format: "qcow2" }));
    const goodRequest = JSON.parse(request(createHash("sha512").update(good).digest("hex")));
    goodRequest.customizations.imageURL = `${server.url}/good.qcow2`;
    writeFileSync(join(root, "tmp", "good.json"), JSON.stringify(goodRequest));
    writeFileSync(join(root, "tmp", "bad.json"), request(WRONG));
    const ok = await byol(["fetch", "--request", "/tmp/good.json", "--output", "/tmp/image"]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const bad = await byol(["fetch", "--request", "/tmp/bad.json", "--output", "/tmp/image-bad"]);
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(
      bad.stdout + bad.stderr,
      /Bad sha512 for downloaded file, got: [0-9a-f]{128} while expecting 0{128}\./,
    );
    assert.ok(!(ok.stdout + ok.stderr + bad.stdout + bad.stderr).includes("exe-test-secret"));
  });
});

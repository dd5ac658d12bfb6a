// Helpers of the run-record VM tests (beside install.ts, which they reuse): a whole `byol install` with
// --report, an HTTP server for test images on 127.0.0.1 that wants the request's Authorization header, and
// the secret scan of every file of a run record.

import assert from "node:assert/strict";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { DEFAULT_SCRIPT } from "../../../fixtures/images/test-image.ts";
import {
  AUTH,
  BYOL,
  must,
  type OnEvent,
  requestIn,
  SSH_KEY,
  sh,
  spawnByol,
  URL_PASSWORD,
  USER_DATA_MARKER,
} from "./install.ts";

// The test image has no distribution in it: a static busybox is its /bin/sh and tools.
export function withShell(root: string): void {
  mkdirSync(join(root, "bin"), { recursive: true });
  copyFileSync("/bin/busybox", join(root, "bin/busybox"));
  chmodSync(join(root, "bin/busybox"), 0o755);
  for (const tool of ["sh", "uname", "touch", "mkdir", "seq", "cat"]) symlinkSync("busybox", join(root, "bin", tool));
}

export interface ImageServer {
  base: string; // http://127.0.0.1:<port>
  requests: string[]; // "GET /x.qcow2 200", "GET /x.qcow2 401"
  close(): void;
}

// Serves the files on 127.0.0.1; only requests with exactly `authorization` get them (401 otherwise).
export async function serveImages(files: ReadonlyMap<string, Buffer>, authorization: string): Promise<ImageServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const data = files.get((req.url ?? "").slice(1));
    const status = req.headers.authorization !== authorization ? 401 : data === undefined ? 404 : 200;
    requests.push(`${req.method} ${req.url} ${status}`);
    if (status !== 200) return void res.writeHead(status).end();
    res.writeHead(200, { "content-length": data!.length }).end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => server.close(),
  };
}

// A byolinux request for one disk of group 1 with every kind of secret: the Authorization header, a password
// in the image URL (user "byol"), user data with the marker, and an SSH key.
export function secretRequest(imageUrl: string, sha512: string, hostname: string): object {
  const url = new URL(imageUrl);
  url.username = "byol";
  url.password = URL_PASSWORD;
  return {
    operatingSystem: "byolinux_64",
    customizations: {
      hostname,
      imageURL: url.toString(),
      imageType: "qcow2",
      imageCheckSum: sha512,
      imageCheckSumType: "sha512",
      httpHeaders: { Authorization: AUTH },
      sshKey: SSH_KEY,
      configDriveUserData: Buffer.from(`#cloud-config\nruncmd:\n  - echo ${USER_DATA_MARKER}\n`).toString("base64"),
    },
    storage: [
      {
        diskGroupId: 1,
        partitioning: {
          disks: 1,
          layout: [
            { mountPoint: "/", fileSystem: "ext4", size: 0 },
            { mountPoint: "swap", fileSystem: "swap", size: 128 },
          ],
        },
      },
    ],
  };
}

export interface FullRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  events: Record<string, unknown>[];
  runDir: string;
  report: string; // the --report FILE
}

// The flags of a whole install in a test VM: no netboot there, so the installed disk boots first.
export const FULL_INSTALL_FLAGS = ["--json", "--no-reboot", "--boot-order", "disk-first", "--script-timeout", "5"];

// `byol install --json --no-reboot --report FILE` of the whole request; `onEvent` may kill it.
export async function fullInstall(dir: string, body: object, onEvent?: OnEvent): Promise<FullRun> {
  const requestFile = requestIn(dir, body);
  const runDir = join(dir, "run");
  const report = join(dir, "record.tar");
  const args = ["install", "--request", requestFile, ...FULL_INSTALL_FLAGS];
  const run = await spawnByol([...args, "--run-dir", runDir, "--report", report], onEvent);
  return {
    code: run.code,
    signal: run.signal,
    stdout: run.stdout,
    stderr: run.stderr,
    events: run.events,
    runDir,
    report,
  };
}

// Every file of a run record, unpacked by tar itself (not by byol's reader), by its path in the tar.
export function bundleFiles(tarFile: string): Map<string, Buffer> {
  const dir = `${tarFile}.d`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  must("tar", ["-xf", tarFile, "-C", dir]);
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (statSync(path).isFile()) files.set(relative(dir, path), readFileSync(path));
  }
  rmSync(dir, { recursive: true, force: true });
  return files;
}

// The secret scanner: none of the request's Authorization value (nor its token), URL password or user-data
// marker (nor the user data's base64) in any file of the record, nor in the tar's own bytes.
export function assertNoSecrets(tarFile: string): Map<string, Buffer> {
  const files = bundleFiles(tarFile);
  const names = [...files.keys()].map((n) => n.replace(/^[^/]+\//, ""));
  for (const member of [
    "summary.json",
    "request.json",
    "inventory.json",
    "plan.json",
    "events.jsonl",
    "journal.jsonl",
  ]) {
    assert.ok(names.includes(member), `${tarFile} has ${member}: ${names.join(" ")}`);
  }
  const userData = Buffer.from(`#cloud-config\nruncmd:\n  - echo ${USER_DATA_MARKER}\n`).toString("base64");
  const secrets = [AUTH, AUTH.split(" ")[1]!, URL_PASSWORD, USER_DATA_MARKER, userData];
  const all: [string, Buffer][] = [...files, ["(the tar itself)", readFileSync(tarFile)]];
  for (const [name, bytes] of all) {
    for (const secret of secrets) {
      assert.ok(!bytes.includes(secret), `${tarFile}: ${name} contains the secret ${secret.slice(0, 6)}…`);
    }
  }
  return files;
}

// The scanner must find what it looks for: a file holding a secret is caught.
export function assertScannerFinds(dir: string): void {
  mkdirSync(join(dir, "leak"), { recursive: true });
  for (const name of ["summary.json", "request.json", "inventory.json", "plan.json", "events.jsonl"]) {
    writeFileSync(join(dir, "leak", name), "{}\n");
  }
  writeFileSync(join(dir, "leak", "journal.jsonl"), `{"argv":["curl","-u","byol:${URL_PASSWORD}"]}\n`);
  must("tar", ["-cf", join(dir, "leak.tar"), "-C", dir, "leak"]);
  assert.throws(() => assertNoSecrets(join(dir, "leak.tar")), /journal\.jsonl contains the secret/);
}

// `byol report show FILE`.
export function reportShow(tarFile: string): string {
  const r = sh(process.execPath, [BYOL, "report", "show", tarFile]);
  assert.equal(r.status, 0, `byol report show ${tarFile}: ${r.stderr}`);
  return r.stdout;
}

// The run record an install made without --report: <BYOL_REPORT_DIR or /var/log/byol>/<runId>.tar, the
// run id from the run's state file.
export function defaultRecordOf(runDir: string): string {
  const state = JSON.parse(readFileSync(join(runDir, "current.json"), "utf8")) as { runId: string };
  return join(process.env["BYOL_REPORT_DIR"] ?? "/var/log/byol", `${state.runId}.tar`);
}

// The script also puts a (fake) EFI loader on the ESP, as a real one would with grub-install.
export const EFI_SCRIPT = `${DEFAULT_SCRIPT.replace(/echo "make_image_bootable: done"\n$/, "")}mkdir -p /boot/efi/EFI/debian
echo "not really grub" > /boot/efi/EFI/debian/grubx64.efi
echo "make_image_bootable: done"
`;

// No nbd connected, no loop device on the image, nothing under /dev/shm/image or /tmp/a, no image file.
export function assertNothingHeld(): void {
  const nbd = readdirSync("/sys/block").filter((n) => /^nbd\d+$/.test(n) && existsSync(`/sys/block/${n}/pid`));
  assert.deepEqual(nbd, [], "no nbd device is connected");
  assert.doesNotMatch(must("losetup", ["-a"]), /\/dev\/shm|nbd/, "no loop device on the image");
  const mounts = readFileSync("/proc/self/mounts", "utf8");
  assert.doesNotMatch(mounts, / \/tmp\/a[ /]| \/dev\/shm\/image /, "nothing mounted under /tmp/a or /dev/shm/image");
  assert.ok(!existsSync("/dev/shm/byol/image"), "the downloaded image was removed");
  assert.equal(sh("ls", ["/dev/shm/byol"]).stdout.trim(), "", "no inspection leftovers");
}

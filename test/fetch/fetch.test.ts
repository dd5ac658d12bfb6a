// byol fetch end to end on the host: the real `byol` process against an in-process HTTP server on
// 127.0.0.1, real images (fixtures/images/test-image.ts) and the real inspection tools.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import { fetchImage } from "../../agent/fetch/fetch.ts";
import { type Machine, THIS_MACHINE } from "../../agent/image/reach.ts";
import { parseRequest } from "../../agent/request/index.ts";
import { buildTestImage, type TestImageSpec } from "../../fixtures/images/test-image.ts";
import { send, serve } from "../support/image-server.ts";

const byol = join(import.meta.dirname, "../../bin/byol.mjs");
const root = mkdtempSync(join(tmpdir(), "byol-fetch-"));
after(() => rmSync(root, { recursive: true, force: true }));

const TOKEN = "Bearer fetch-header-secret-7f3a";
const PASSWORD = "url-pass-91c4";
const sha512 = (b: Buffer) => createHash("sha512").update(b).digest("hex");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function byolFetch(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [byol, "fetch", ...args], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number((error as { code?: number }).code), stdout, stderr });
    });
  });
}

let n = 0;
// Builds the image, serves it behind the secret header, and runs byol fetch on a request for it.
async function fetchCase(
  spec: TestImageSpec,
  opts: { os?: "byolinux_64" | "byoi_64"; checksum?: string; path?: string; json?: boolean } = {},
) {
  const dir = mkdtempSync(join(root, `case-${n++}-`));
  const data = readFileSync(buildTestImage(dir, `source.${spec.format}`, spec));
  await using srv = await serve((req, res) => {
    if (req.headers.authorization !== TOKEN || req.url !== `/image.${spec.format}`) {
      res.writeHead(404).end();
      return;
    }
    send(data, req, res);
  });
  const url = new URL(`${srv.url}${opts.path ?? `/image.${spec.format}`}`);
  url.username = "ops";
  url.password = PASSWORD;
  const request = {
    operatingSystem: opts.os ?? "byolinux_64",
    customizations: {
      hostname: "fetch-test",
      imageURL: url.toString(),
      imageType: spec.format,
      imageCheckSum: opts.checksum ?? sha512(data),
      imageCheckSumType: "sha512",
      httpHeaders: { Authorization: TOKEN },
      ...(opts.os === "byoi_64" && { efiBootloaderPath: "\\efi\\debian\\grubx64.efi" }),
    },
  };
  const requestFile = join(dir, "request.json");
  writeFileSync(requestFile, JSON.stringify(request));
  const output = join(dir, "out", `fetched.${spec.format}`);
  const r = await byolFetch(["--request", requestFile, "--output", output, ...(opts.json ? ["--json"] : [])]);
  assert.equal(`${r.stdout}${r.stderr}`.includes(TOKEN.slice(7)), false, "the header secret is never printed");
  assert.equal(`${r.stdout}${r.stderr}`.includes(PASSWORD), false, "the URL password is never printed");
  assert.ok(
    srv.seen.every((s) => s.headers.authorization === TOKEN),
    "every request carries the header",
  );
  return { ...r, data, output, dir };
}

function resultLine(stdout: string): Record<string, unknown> {
  const last = stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last) as Record<string, unknown>;
}

describe("byol fetch", { concurrency: 2 }, () => {
  it("a good qcow2: exit 0, the file is the image, and the report says what install would find", async () => {
    const r = await fetchCase({ format: "qcow2" });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(readFileSync(r.output), r.data);
    assert.match(r.stdout, new RegExp(`file {7}${r.output} \\(${r.data.length} bytes, sha512 verified\\)`));
    assert.match(r.stdout, /format {5}qcow2, a 64 MiB virtual disk; no backing file, no external data file/);
    assert.match(r.stdout, /partitions GPT: 1 at 1 MiB \(62 MiB\)/);
    assert.match(r.stdout, /filesystem ext4, \d+ MiB used/);
    assert.match(r.stdout, /script {5}\/root\/\.ovh\/make_image_bootable\.sh is there and executable/);
    assert.match(r.stdout, /byol fetch: the image passes every check install makes before it touches a disk\n/);
    assert.deepEqual(
      readdirSync(r.dir).filter((f) => f.startsWith(".")),
      [],
      "no scratch left",
    );
  });

  it("--json: the last line is the result, with the report as `image`", async () => {
    const r = await fetchCase({ format: "qcow2", table: "mbr", fileSystem: "xfs", sizeMiB: 320 }, { json: true });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const result = resultLine(r.stdout);
    assert.equal(result["phase"], "result");
    assert.equal(result["ok"], true);
    const image = result["image"] as Record<string, unknown>;
    assert.equal(image["format"], "qcow2");
    assert.equal(image["table"], "mbr");
    assert.equal(image["fileSystem"], "xfs");
    assert.equal(image["script"], true);
    assert.equal(image["bytes"], r.data.length);
    assert.deepEqual(image["notChecked"], []);
    const steps = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { step?: string; phase: string })
      .filter((e) => e.phase === "start" || e.phase === "done")
      .map((e) => `${e.step}:${e.phase}`);
    assert.deepEqual(steps, ["download:start", "download:done", "inspect:start", "inspect:done"]);
  });

  it("a wrong checksum: exit 3 with OVH's message, and no file is left", async () => {
    const wrong = "ab".repeat(64);
    const r = await fetchCase({ format: "qcow2" }, { checksum: wrong, json: true });
    assert.equal(r.code, 3);
    const result = resultLine(r.stdout);
    assert.deepEqual(result["error"], {
      code: "checksum",
      message: `Bad sha512 for downloaded file, got: ${sha512(r.data)} while expecting ${wrong}.`,
    });
    assert.equal(existsSync(r.output), false);
  });

  it("a missing image (404): exit 3, 'Could not download image: HTTP 404 Not Found'", async () => {
    const r = await fetchCase({ format: "qcow2" }, { path: "/nothing-here.qcow2" });
    assert.equal(r.code, 3);
    assert.match(r.stdout, /==> failed \(exit 3\): Could not download image: HTTP 404 Not Found\n/);
    assert.equal(existsSync(r.output), false);
  });

  it("an image install would refuse: exit 3 with install's message (the file is kept to look at)", async () => {
    const r = await fetchCase({ format: "qcow2", script: { missing: true } }, { json: true });
    assert.equal(r.code, 3);
    assert.deepEqual(resultLine(r.stdout)["error"], {
      code: "image",
      message: "The '/root/.ovh/make_image_bootable.sh' file does not exist.",
    });
    const two = await fetchCase({ format: "qcow2", partitions: 2 }, { json: true });
    assert.equal(two.code, 3);
    assert.match(String((resultLine(two.stdout)["error"] as { message: string }).message), /exactly one partition/);
  });

  it("byoi_64: the table and its partitions; the checks against a target disk are named as not made here", async () => {
    const r = await fetchCase({ format: "raw", partitions: 2 }, { os: "byoi_64", json: true });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const image = resultLine(r.stdout)["image"] as Record<string, unknown>;
    assert.equal(image["table"], "gpt");
    assert.equal(image["sectorSize"], 512);
    assert.equal((image["partitions"] as unknown[]).length, 2);
    assert.deepEqual(image["ram"], { neededAboveBytes: r.data.length + 3 * 1024 ** 3, streamedByDefault: true });
    assert.deepEqual(image["notChecked"], [
      "the image's size and sector size against the target disk: no target disk here",
    ]);
  });
});

// In process, on a machine that cannot mount (a laptop without root) or has no qemu-img.
describe("byol fetch on a machine that can check less", () => {
  async function inProcess(machine: Machine, spec: TestImageSpec = { format: "qcow2" }) {
    const dir = mkdtempSync(join(root, `less-${n++}-`));
    const data = readFileSync(buildTestImage(dir, "source.qcow2", spec));
    await using srv = await serve((req, res) => send(data, req, res));
    const parsed = parseRequest({
      operatingSystem: "byolinux_64",
      customizations: {
        imageURL: `${srv.url}/i.qcow2`,
        imageType: "qcow2",
        imageCheckSum: sha512(data),
        imageCheckSumType: "sha512",
      },
    });
    assert.ok(parsed.ok);
    let text = "";
    const out = new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    });
    const code = await fetchImage({
      request: parsed.request,
      output: join(dir, "out.qcow2"),
      json: false,
      out,
      machine,
    });
    return { code, text };
  }

  it("without root: the checks without a mount, then what was not checked and why", async () => {
    const r = await inProcess({ ...THIS_MACHINE, root: false });
    assert.equal(r.code, 0, r.text);
    assert.match(r.text, /partitions GPT: 1 at 1 MiB \(62 MiB\)\nfilesystem ext4\n/);
    assert.doesNotMatch(r.text, /^script/m);
    assert.match(r.text, /not checked on this machine:\n {2}- make_image_bootable\.sh .*: mounting needs root\n/);
    assert.match(r.text, /passes the checks install makes before it touches a disk, as far as this machine can tell\n/);
  });

  it("without root, a refusal that needs no mount is still a refusal (exit 3)", async () => {
    const r = await inProcess({ ...THIS_MACHINE, root: false }, { format: "qcow2", fileSystem: "swap" });
    assert.equal(r.code, 3);
    assert.match(r.text, /image provided has a swap partition: its partition must be formatted ext4, xfs or btrfs/);
  });

  it("without qemu-img: byol's own qcow2 header checks only", async () => {
    const noQemuImg = { ...THIS_MACHINE, root: false, onPath: (p: string) => p !== "qemu-img" };
    const r = await inProcess(noQemuImg);
    assert.equal(r.code, 0, r.text);
    assert.match(r.text, /format {5}qcow2, a 64 MiB virtual disk; no backing file, no external data file\n/);
    assert.doesNotMatch(r.text, /^partitions/m);
    assert.match(r.text, /- qemu-img's reading of the qcow2 header, .*: no qemu-img on this machine\n/);
  });
});

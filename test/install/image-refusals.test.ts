// Acceptance, on the host: a bad image, URL or download ends `install()` with the exact error,
// exit code 3, and no disk step ever started. The real install(): real plan, real download from
// an in-process HTTP server, real inspection. The inventory's disk is /dev/byol-test-nonexistent-a,
// so even a bug that let a disk step run could not touch a real disk.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { install } from "../../agent/install.ts";
import { buildPlan } from "../../agent/plan/index.ts";
import type { Plan } from "../../agent/plan/types.ts";
import { parseInventory } from "../../agent/probe/inventory-file.ts";
import { parseRequest } from "../../agent/request/index.ts";
import { buildTestImage, type TestImageSpec } from "../../fixtures/images/test-image.ts";
import { type Served, serve } from "../support/image-server.ts";

const FAKE_DISK = "/dev/byol-test-nonexistent-a";
const MISSING = "The '/root/.ovh/make_image_bootable.sh' file does not exist.";
// (mount is not here: inspection mounts the image read-only from a loop device)
const DISK_PROGRAMS = ["wipefs", "sgdisk", "mdadm", "partprobe", "mkfs.ext4", "mkfs.vfat", "mkswap", "pvcreate"];

const dir = mkdtempSync(join(tmpdir(), "byol-install-refusals-"));
const images = new Map<string, Buffer>();
const specs: Record<string, TestImageSpec> = {
  good: { format: "qcow2" },
  backing: { format: "qcow2", backingFile: "/etc/passwd" },
  raw: { format: "raw" },
  two: { format: "qcow2", partitions: 2 },
  noscript: { format: "qcow2", script: { missing: true } },
  noexec: { format: "qcow2", script: { mode: 0o644 } },
};
let server: Served;

before(async () => {
  for (const [name, spec] of Object.entries(specs)) {
    images.set(name, readFileSync(buildTestImage(dir, name, spec)));
  }
  server = await serve((req, res) => {
    const name = (req.url ?? "").slice(1);
    if (name === "private") return status(res, 401, { "www-authenticate": "Basic" });
    const data = images.get(name.replace(/^(truncated|chunked)-/, ""));
    if (data === undefined) return status(res, 404);
    if (name.startsWith("chunked-")) {
      res.writeHead(200); // no Content-Length: chunked, the size is only known at the end
      res.end(data);
      return;
    }
    if (name.startsWith("truncated-")) {
      res.writeHead(200, { "content-length": data.length, connection: "close" });
      res.end(data.subarray(0, data.length >> 1));
      return;
    }
    res.writeHead(200, { "content-length": data.length });
    res.end(data);
  });
});

after(async () => {
  await server[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
});

function status(res: ServerResponse, code: number, headers: Record<string, string> = {}) {
  res.writeHead(code, headers);
  res.end();
}

const inventory = parseInventory({
  firmware: "uefi",
  memoryBytes: 8 * 1024 ** 3,
  disks: [{ path: FAKE_DISK, sizeBytes: 16 * 1024 ** 3, logicalSectorSize: 512 }],
});

function requestFor(path: string, imageType: "qcow2" | "raw", checksum?: string) {
  const data = images.get(path.replace(/^(truncated|chunked)-/, ""));
  const sum = checksum ?? (data === undefined ? "0".repeat(64) : createHash("sha256").update(data).digest("hex"));
  const parsed = parseRequest({
    operatingSystem: "byolinux_64",
    customizations: {
      hostname: "refused",
      imageURL: `${server.url}/${path}`,
      imageType,
      imageCheckSum: sum,
      imageCheckSumType: "sha256",
      httpHeaders: { Authorization: "Bearer not-to-be-leaked" },
    },
  });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.request;
}

async function run(path: string, imageType: "qcow2" | "raw" = "qcow2", checksum?: string, machine = inventory) {
  const request = requestFor(path, imageType, checksum);
  const runDir = mkdtempSync(join(dir, "run-"));
  const built = buildPlan(request, machine);
  // the download into this test's directory, not /dev/shm/byol
  const imageFile = join(runDir, "shm", "image");
  const plan: Plan = {
    ...built,
    steps: built.steps.map((s) => (s.kind === "download" ? { ...s, path: imageFile } : s)),
  };
  assert.deepEqual(
    plan.disks.map((d) => d.path),
    [FAKE_DISK],
  );
  const chunks: string[] = [];
  const out = { write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WritableStream;
  const code = await install({
    request,
    inventory: machine,
    plan,
    json: true,
    noReboot: true,
    bootOrder: "keep",
    runDir,
    out,
  });
  const events = chunks
    .join("")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const journalFile = join(runDir, "journal.jsonl");
  const journal = existsSync(journalFile)
    ? readFileSync(journalFile, "utf8")
        .trim()
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as { argv: string[] })
    : [];
  return { code, events, journal, runDir, imageFile, output: chunks.join("") };
}

// Exit 3 with exactly this message, no disk step started, no disk command, the image file gone.
function assertRefusedBeforeDisks(r: Awaited<ReturnType<typeof run>>, message: string | RegExp, step: string) {
  const result = r.events.at(-1) as { phase: string; exitCode: number; error: { message: string } };
  assert.equal(result.phase, "result");
  if (typeof message === "string") assert.equal(result.error.message, message);
  else assert.match(result.error.message, message);
  assert.equal(r.code, 3);
  assert.equal(result.exitCode, 3);
  const failed = r.events.find((e) => e["phase"] === "failed");
  assert.equal(failed?.["step"], step);
  const started = r.events.filter((e) => e["phase"] === "start").map((e) => e["step"]);
  assert.ok(!started.includes("wipe"), `steps started: ${started.join(" ")}`);
  assert.deepEqual(started, step === "download" ? ["download"] : ["download", "inspect"]);
  const disky = r.journal.filter((e) => DISK_PROGRAMS.includes(e.argv[0] ?? ""));
  assert.deepEqual(disky, [], "no disk command ran");
  assert.ok(!r.journal.some((e) => e.argv.join(" ").includes(FAKE_DISK)));
  assert.ok(!existsSync(r.imageFile), "the downloaded image was removed");
  assert.ok(!r.output.includes("not-to-be-leaked"));
  const state = JSON.parse(readFileSync(join(r.runDir, "current.json"), "utf8"));
  assert.equal(state.disksWritten, false);
}

describe("install refuses bad images before any disk step", { concurrency: 3 }, () => {
  it("a qcow2 with a backing file", async () => {
    const r = await run("backing");
    assertRefusedBeforeDisks(
      r,
      "image provided has a backing file (/etc/passwd): refused, qemu could be made to read files of this server",
      "inspect",
    );
  });

  it("a raw image given as qcow2", async () => {
    const r = await run("raw");
    assertRefusedBeforeDisks(r, "image provided format is raw which does not match expected qcow2 format", "inspect");
  });

  it("two partitions", async () => {
    const r = await run("two");
    assertRefusedBeforeDisks(r, "image provided must have exactly one partition, found 2 partitions (GPT)", "inspect");
  });

  it("no make_image_bootable.sh", async () => {
    assertRefusedBeforeDisks(await run("noscript"), MISSING, "inspect");
  });

  it("a make_image_bootable.sh that is not executable", async () => {
    const r = await run("noexec");
    assertRefusedBeforeDisks(r, `${MISSING} (it is there, but not executable: mode 0644)`, "inspect");
  });

  it("a bad checksum", async () => {
    const wrong = "f".repeat(64);
    const r = await run("good", "qcow2", wrong);
    assertRefusedBeforeDisks(
      r,
      /^Bad sha256 for downloaded file, got: [0-9a-f]{64} while expecting f{64}\.$/,
      "download",
    );
  });

  it("an image over the RAM rule (RAM - 3 GiB), from Content-Length and, without it, while streaming", async () => {
    const small = parseInventory({
      firmware: "uefi",
      memoryBytes: 3 * 1024 ** 3 + 64 * 1024, // room for 64 KiB: every test image is larger
      disks: [{ path: FAKE_DISK, sizeBytes: 16 * 1024 ** 3, logicalSectorSize: 512 }],
    });
    const tooBig = "Could not download, qcow2 image is too big to download in memory.";
    assertRefusedBeforeDisks(await run("good", "qcow2", undefined, small), tooBig, "download");
    assertRefusedBeforeDisks(await run("chunked-good", "qcow2", undefined, small), tooBig, "download");
  });

  it("404 and 401", async () => {
    assertRefusedBeforeDisks(await run("missing"), "Could not download image: HTTP 404 Not Found", "download");
    assertRefusedBeforeDisks(await run("private"), "Could not download image: HTTP 401 Unauthorized", "download");
  });

  it("a truncated body (the server ends the response cleanly, every time)", { timeout: 120_000 }, async () => {
    const size = images.get("good")?.length ?? 0;
    const r = await run("truncated-good");
    // undici notices the short body first and the download step names its error code; the
    // step's own "body truncated at N of M bytes" is the reason when the socket closes first
    const reason = `(body truncated at ${size >> 1} of ${size} bytes|UND_ERR_RES_CONTENT_LENGTH_MISMATCH)`;
    assertRefusedBeforeDisks(r, new RegExp(`^Could not download image: ${reason}$`), "download");
  });

  it("and a good image gets past inspection to the first disk step, which fails on the fake disk", async () => {
    const r = await run("good");
    const started = r.events.filter((e) => e["phase"] === "start").map((e) => e["step"]);
    assert.deepEqual(started, ["download", "inspect", "wipe"]);
    assert.equal(r.events.find((e) => e["phase"] === "failed")?.["step"], "wipe");
    assert.notEqual(r.code, 0);
  });
});

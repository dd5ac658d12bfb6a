// A fabricated run dir, written through the real event sink, journal and logger the install
// uses: a request carrying an Authorization header, a URL password and user data with a marker;
// a plan from the real planner; events, journal, byol.log and the script's log of a run that
// succeeds, fails in make_image_bootable.sh, or is killed with SIGTERM during rsync.

import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createEventSink, type RunResult } from "../../agent/exec/events.ts";
import { Journal } from "../../agent/exec/journal.ts";
import { createLogger } from "../../agent/log.ts";
import { buildPlan } from "../../agent/plan/index.ts";
import type { Plan } from "../../agent/plan/types.ts";
import { parseInventory } from "../../agent/probe/inventory-file.ts";
import type { Inventory } from "../../agent/probe/types.ts";
import { type Redactor, redactorFor } from "../../agent/redact.ts";
import { parseRequest } from "../../agent/request/index.ts";
import type { InstallRequest } from "../../agent/request/types.ts";

export const AUTH_TOKEN = "QUxBRERJTjpvcGVuc2VzYW1lLWxhYg==";
export const AUTH = `Basic ${AUTH_TOKEN}`;
export const URL_PASSWORD = "hunter2-url-pass";
export const MARKER = "USERDATA-MARKER-7f3a";
export const USER_DATA = `#!/bin/bash\necho "${MARKER} was here" > /etc/motd\n`;
export const SECRETS = [AUTH, AUTH_TOKEN, URL_PASSWORD, MARKER];

export type RunKind = "ok" | "failed" | "killed";

export interface FabricatedRun {
  runId: string;
  runDir: string;
  request: InstallRequest;
  inventory: Inventory;
  plan: Plan;
  redactor: Redactor;
  result: RunResult;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "byol-report-"));
}

export function fixtureRequest(overrides: Record<string, unknown> = {}): InstallRequest {
  const parsed = parseRequest({
    operatingSystem: "byolinux_64",
    customizations: {
      hostname: "lab-web1",
      imageURL: `https://lab:${URL_PASSWORD}@images.example.test/debian12.qcow2`,
      httpHeaders: { Authorization: AUTH },
      configDriveUserData: Buffer.from(USER_DATA).toString("base64"),
      ...overrides,
    },
    storage: [
      {
        diskGroupId: 1,
        partitioning: {
          layout: [
            { mountPoint: "/boot", fileSystem: "ext4", size: 1024, raidLevel: 1 },
            { mountPoint: "/", fileSystem: "ext4", size: 0, raidLevel: 1 },
          ],
        },
      },
    ],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  return parsed.request;
}

export function fixtureInventory(name = "uefi-2disks.json"): Inventory {
  return parseInventory(
    JSON.parse(readFileSync(new URL(`../../fixtures/inventories/${name}`, import.meta.url), "utf8")),
  );
}

const SCRIPT_OUTPUT = [
  "Generating grub configuration file ...",
  "Found linux image: /boot/vmlinuz-6.1.0-18-amd64",
  `user data says: echo "${MARKER} was here" > /etc/motd`, // a leak the bundle must catch
  "grub-install: error: cannot find EFI directory.",
];

// Writes the run dir of a run of the given kind and returns what the install would hold.
export function fabricateRun(kind: RunKind, dir = tempDir()): FabricatedRun {
  const runId = `20250301T030000Z-${kind === "ok" ? "aaaaaa" : kind === "failed" ? "bbbbbb" : "cccccc"}`;
  const runDir = join(dir, runId);
  mkdirSync(runDir, { recursive: true });
  const request = fixtureRequest();
  const inventory = fixtureInventory();
  const plan = buildPlan(request, inventory);
  const redactor = redactorFor(request);
  let clock = Date.parse("2025-03-01T03:00:00.000Z");
  const events = createEventSink({
    json: false,
    out: new Writable({ write: (_c, _e, cb) => cb() }),
    redactor,
    file: join(runDir, "events.jsonl"),
    now: () => clock,
    runId,
  });
  const journal = new Journal(join(runDir, "journal.jsonl"));
  const log = createLogger({ redactor, file: join(runDir, "byol.log") });
  log.info({ runId, request: { url: request.image.url, headers: request.image.httpHeaders } }, "install");
  let id = 0;
  const command = (step: string, argv: readonly string[], exitCode: number | null, out = "", err = "") => {
    const durationMs = 40 + id * 3;
    journal.record({
      id: ++id,
      step,
      argv: redactor.redactArgv(argv),
      startedAt: new Date(clock).toISOString(),
      exitCode,
      ...(exitCode === null ? { signal: "SIGTERM" } : {}),
      durationMs,
      stdoutTail: redactor.redact(out),
      stderrTail: redactor.redact(err),
    });
    clock += durationMs;
  };

  let result: RunResult = { ok: true, exitCode: 0 };
  for (const step of plan.steps) {
    const started = clock;
    events.emit({ step: step.id, phase: "start", title: step.title });
    if (step.kind === "download") {
      for (const bytes of [256, 512, 1024]) {
        clock += 250;
        events.emit({ step: step.id, phase: "progress", bytes: bytes * 1024 * 1024, total: 1024 * 1024 * 1024 });
      }
    }
    if (kind === "killed" && step.kind === "copy") {
      command(
        step.id,
        ["rsync", "-aHAXS", "--numeric-ids", "-x", "/dev/shm/image/", "/tmp/a/"],
        null,
        "",
        "rsync error: received SIGTERM",
      );
      const error = { code: "interrupted", message: "interrupted by SIGTERM" };
      events.emit({ step: step.id, phase: "failed", durationMs: clock - started, error });
      command("teardown", ["umount", "/tmp/a/boot/efi"], 0);
      result = { ok: false, exitCode: 130, error };
      break;
    }
    if (kind === "failed" && step.kind === "bootable-script") {
      writeFileSync(join(runDir, "make_image_bootable.log"), `${SCRIPT_OUTPUT.join("\n")}\n`);
      command(
        step.id,
        ["chroot", "/tmp/a", "/root/.ovh/make_image_bootable.sh"],
        1,
        SCRIPT_OUTPUT.slice(0, 2).join("\n"),
        SCRIPT_OUTPUT[3]!,
      );
      const error = {
        code: "script",
        message: "make_image_bootable.sh failed with exit code 1: grub-install: error: cannot find EFI directory.",
      };
      events.emit({ step: step.id, phase: "failed", durationMs: clock - started, error });
      command("teardown", ["umount", "/tmp/a"], 32, "", "umount: /tmp/a: target is busy.");
      result = { ok: false, exitCode: 4, error };
      break;
    }
    if (step.kind === "bootable-script") {
      writeFileSync(join(runDir, "make_image_bootable.log"), "update-grub: done\n");
      command(step.id, ["chroot", "/tmp/a", "/root/.ovh/make_image_bootable.sh"], 0, "update-grub: done");
    }
    if (step.kind !== "bootable-script") for (const argv of step.commands) command(step.id, argv, 0);
    if (step.kind === "copy")
      command(step.id, ["rsync", "-aHAXS", "--numeric-ids", "-x", "/dev/shm/image/", "/tmp/a/"], 0);
    clock += 100;
    events.emit({ step: step.id, phase: "done", durationMs: clock - started });
  }
  events.result(result);
  // Leaks a careless step might write raw; the bundle's backstop must mask them all.
  appendFileSync(join(runDir, "byol.log"), `raw: ${AUTH} ${request.image.url} ${USER_DATA}\n`);
  return { runId, runDir, request, inventory, plan, redactor, result };
}

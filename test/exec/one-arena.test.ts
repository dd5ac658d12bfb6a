// install, fetch and replay start again with one malloc arena (agent/exec/one-arena.ts): which
// commands do, and, through the real `byol fetch` process, that the process that downloads (the
// same pid byol was started as) has MALLOC_ARENA_MAX=1, or the caller's own value.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { wantsOneArena } from "../../agent/exec/one-arena.ts";
import { serve } from "../support/image-server.ts";

const byol = join(import.meta.dirname, "../../bin/byol.mjs");
const root = mkdtempSync(join(tmpdir(), "byol-arena-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("which commands start again with one arena", () => {
  const env = { PATH: "/usr/bin" };
  it("install, fetch and replay on Linux", () => {
    for (const command of ["install", "fetch", "replay"]) {
      assert.equal(wantsOneArena([command, "--request", "r.json"], env, "linux"), true, command);
    }
  });
  it("not the short commands, whose start-up counts, nor help", () => {
    for (const args of [["status", "--json"], ["validate", "r.json"], ["--version"], [], ["fetch", "--help"]]) {
      assert.equal(wantsOneArena(args, env, "linux"), false, args.join(" "));
    }
  });
  it("not when the caller chose the arenas, nor off Linux", () => {
    assert.equal(wantsOneArena(["fetch"], { ...env, MALLOC_ARENA_MAX: "4" }, "linux"), false);
    assert.equal(wantsOneArena(["fetch"], { ...env, GLIBC_TUNABLES: "glibc.malloc.arena_max=2" }, "linux"), false);
    assert.equal(wantsOneArena(["fetch"], env, "darwin"), false);
  });
});

// Runs `byol fetch` against a server that, when the image is asked for, reads the environment of
// the process byol was started as (by pid) and then answers 404.
async function arenaSeenByServer(extraEnv: Record<string, string>): Promise<{ arena?: string; code: number }> {
  const dir = mkdtempSync(join(root, "case-"));
  let pid = 0;
  let arena: string | undefined;
  await using srv = await serve((_req, res) => {
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    arena = environ.find((v) => v.startsWith("MALLOC_ARENA_MAX="))?.slice("MALLOC_ARENA_MAX=".length);
    res.writeHead(404).end();
  });
  const request = {
    operatingSystem: "byolinux_64",
    customizations: { hostname: "arena", imageURL: `${srv.url}/image.qcow2`, imageType: "qcow2" },
  };
  writeFileSync(join(dir, "request.json"), JSON.stringify(request));
  const env = { ...process.env };
  delete env.MALLOC_ARENA_MAX; // the test runner's own, if any
  Object.assign(env, extraEnv);
  const code = await new Promise<number>((resolve) => {
    const child = execFile(
      process.execPath,
      [byol, "fetch", "--request", join(dir, "request.json"), "--output", join(dir, "out.qcow2")],
      { env },
      (error) => resolve(error === null ? 0 : Number((error as { code?: number }).code)),
    );
    pid = child.pid ?? 0;
  });
  assert.ok(srv.seen.length > 0, "byol fetch reached the server");
  return { ...(arena !== undefined && { arena }), code };
}

describe("byol fetch runs with one arena", () => {
  it("in the process it was started as", async () => {
    const { arena, code } = await arenaSeenByServer({});
    assert.equal(code, 3, "the 404 ends the download with exit 3");
    assert.equal(arena, "1");
  });
  it("keeps the caller's MALLOC_ARENA_MAX", async () => {
    const { arena } = await arenaSeenByServer({ MALLOC_ARENA_MAX: "3" });
    assert.equal(arena, "3");
  });
});

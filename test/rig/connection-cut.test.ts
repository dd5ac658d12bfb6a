// The rig cuts byol remote's SSH connection by killing the controller's ssh clients for the rescue's port: only
// processes named ssh that use a ControlPath and that port, never the rig's own sessions or another VM's.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { cutControllerSsh } from "../../scripts/rig/run.ts";

// A process whose command line reads like `ssh <args>` (node, started with argv0 "ssh", sleeping).
function fakeSsh(args: string[]) {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 600000)", "--", ...args], {
    argv0: "ssh",
    stdio: "ignore",
  });
  return { child, exited: once(child, "exit") };
}

describe("cutting the controller's connection", () => {
  it("kills the ControlMaster clients of that port and nothing else", async () => {
    const port = 40000 + Math.floor(Math.random() * 20000);
    const master = fakeSsh([
      "-o",
      "ControlMaster=auto",
      "-o",
      "ControlPath=/tmp/x/%C",
      "-p",
      String(port),
      "root@127.0.0.1",
    ]);
    const session = fakeSsh(["-o", "ControlPath=/tmp/x/%C", `root@127.0.0.1:${port}`, "byol"]);
    const rigOwn = fakeSsh(["-p", String(port), "-i", "key", "root@127.0.0.1", "true"]);
    const otherVm = fakeSsh(["-o", "ControlPath=/tmp/y/%C", "-p", String(port + 1), "root@127.0.0.1"]);
    try {
      await sleep(300);
      const killed = cutControllerSsh(port);
      assert.deepEqual(killed.sort(), [master.child.pid, session.child.pid].sort());
      await Promise.all([master.exited, session.exited]);
      assert.equal(rigOwn.child.exitCode, null, "the rig's own session lives");
      assert.equal(otherVm.child.exitCode, null, "another port's master lives");
    } finally {
      for (const p of [master, session, rigOwn, otherVm]) p.child.kill("SIGKILL");
    }
  });
});

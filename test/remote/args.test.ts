// byol remote's command line: the target, the controller's own flags wherever they stand, and
// everything else passed on to the remote byol, --request excepted.

import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../../agent/errors.ts";
import { parseRemoteArgs } from "../../agent/remote/args.ts";
import { sshArgv } from "../../agent/remote/ssh.ts";
import { destination, parseTarget } from "../../agent/remote/target.ts";

const defaults = { remoteDir: "/root/.byol" };

test("targets: user, host, port, IPv6 in brackets", () => {
  assert.deepEqual(parseTarget("root@192.0.2.10"), { user: "root", host: "192.0.2.10", port: undefined });
  assert.deepEqual(parseTarget("srv.example.net:2222"), { user: undefined, host: "srv.example.net", port: 2222 });
  assert.deepEqual(parseTarget("admin@[2001:db8::1]:22"), { user: "admin", host: "2001:db8::1", port: 22 });
  assert.deepEqual(parseTarget("2001:db8::1"), { user: undefined, host: "2001:db8::1", port: undefined });
  assert.equal(destination(parseTarget("root@h:22")), "root@h");
});

test("bad targets are usage errors: empty user or host, a port out of range, an option in disguise", () => {
  for (const bad of ["@h", "root@", "h:0", "h:70000", "h:ssh", "-oProxyCommand=x", "a b"]) {
    assert.throws(() => parseTarget(bad), UsageError, bad);
  }
});

test("controller flags are taken out, the rest goes to the remote byol, --request never does", () => {
  const a = parseRemoteArgs(
    [
      "root@h",
      "install",
      "--request",
      "r.json",
      "--json",
      "--identity=~/.ssh/rescue",
      "--ssh-option",
      "UserKnownHostsFile=kh",
      "--no-reboot",
      "--ssh-option",
      "ConnectTimeout=3",
      "--port",
      "2222",
      "--report",
      "/run/r.tar",
      "--out",
      "records",
      "--install-missing",
    ],
    defaults,
  );
  assert.deepEqual(a.target, { user: "root", host: "h", port: 2222 });
  assert.equal(a.command, "install");
  assert.equal(a.request, "r.json");
  assert.equal(a.identity, "~/.ssh/rescue");
  assert.deepEqual(a.sshOptions, ["UserKnownHostsFile=kh", "ConnectTimeout=3"]);
  assert.deepEqual(a.passthrough, ["--json", "--no-reboot", "--report", "/run/r.tar", "--install-missing"]);
  assert.equal(a.json, true);
  assert.equal(a.installMissing, true);
  assert.equal(a.report, "/run/r.tar");
  assert.equal(a.out, "records");
  assert.equal(a.hostKeyCheck, "config", "host keys are checked unless asked otherwise");
  assert.equal(a.remoteDir, "/root/.byol");
  assert.equal(a.retries, 10);
});

test("status --follow --run ID, and the host-key policy must be named exactly", () => {
  const a = parseRemoteArgs(["h", "status", "--follow", "--run=r-1", "--host-key-check", "accept-new"], defaults);
  assert.equal(a.follow, true);
  assert.equal(a.run, "r-1");
  assert.equal(a.hostKeyCheck, "accept-new");
  assert.throws(() => parseRemoteArgs(["h", "status", "--host-key-check", "off"], defaults), /accept-new/);
  assert.throws(() => parseRemoteArgs(["h", "reboot"], defaults), /expected one of install, plan/);
  assert.throws(() => parseRemoteArgs(["--json"], defaults), /missing \[user@\]host/);
  assert.throws(() => parseRemoteArgs(["h", "install", "--identity"], defaults), /--identity needs a value/);
});

test("ssh's argv: the operator's -o first (ssh keeps the first value), one master per controller, host keys as asked", () => {
  const base = { target: parseTarget("root@h:2222"), identity: "k", extra: ["BatchMode=no"], controlDir: "/tmp/c" };
  const argv = sshArgv({ ...base, hostKeyCheck: "config" }, "id -u");
  assert.deepEqual(argv.slice(0, 3), ["ssh", "-o", "BatchMode=no"]);
  assert.ok(argv.indexOf("BatchMode=no") < argv.indexOf("BatchMode=yes"));
  assert.ok(argv.includes("ControlPath=/tmp/c/%C") && argv.includes("ControlMaster=auto"));
  assert.ok(!argv.some((a) => a.startsWith("StrictHostKeyChecking")), "ssh's config decides");
  assert.deepEqual(argv.slice(-5), ["2222", "-T", "--", "root@h", "id -u"]);
  const accept = sshArgv({ ...base, hostKeyCheck: "accept-new" }, "true");
  assert.ok(accept.includes("StrictHostKeyChecking=accept-new"));
  const off = sshArgv({ ...base, hostKeyCheck: "no" }, "true");
  assert.ok(off.includes("StrictHostKeyChecking=no") && off.includes("UserKnownHostsFile=/dev/null"));
});

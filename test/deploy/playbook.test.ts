// deploy/ansible/install.yml run for real by ansible-playbook against two "servers" on this machine (connection
// local, each with its own folder), with test/deploy/fake-byol.sh in place of dist/byol: one install succeeds,
// the other fails with OVH's checksum message. The play must fail that host alone, fetch both records, write a
// summary per host, and never show (even with -vvv) or pass on argv the payload's secrets. Also for a single host.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseHostSummary, parseSummaryLines } from "../../scripts/rig/fleet-inventory.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FAKE = join(repo, "test", "deploy", "fake-byol.sh");
const SECRETS = ["hdr-secret-55", "url-pass-77", "ud-secret-33"];
const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
const skip = ansible ? false : "ansible-playbook is not installed (scripts/host-packages.txt)";

function inventory(dir: string): string {
  const host = (name: string, extra: Record<string, unknown> = {}) => ({
    byol_remote_dir: join(dir, `srv-${name}`),
    ...extra,
  });
  return JSON.stringify({
    byol_rescue: {
      vars: {
        ansible_connection: "local",
        ansible_python_interpreter: "/usr/bin/python3",
        byol_local_executable: FAKE,
        byol_poll_delay: 1,
        byol_image_url: "http://user:url-pass-77@127.0.0.1:9/i.qcow2",
        byol_http_headers: { Authorization: "Bearer hdr-secret-55" },
        byol_user_data: "#cloud-config\n# ud-secret-33\n",
      },
      hosts: {
        good: host("good", { byol_report: join(dir, "srv-good", "record.tar") }),
        // no --report: the record is where --detach says
        bad: host("bad", { byol_image_checksum: "bad", byol_image_checksum_type: "sha512" }),
        notools: host("notools", { byol_hostname: "no-tools" }),
      },
    },
  });
}

function playbook(dir: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      "ansible-playbook",
      ["-vvv", "-i", join(dir, "inventory.json"), join(repo, "deploy", "ansible", "install.yml"), ...args],
      {
        env: {
          ...process.env,
          ANSIBLE_CONFIG: join(repo, "deploy", "ansible", "ansible.cfg"),
          ANSIBLE_NOCOLOR: "1",
          ANSIBLE_LOCAL_TEMP: join(dir, "tmp"),
          ANSIBLE_HOME: join(dir, "home"),
        },
      },
    );
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.on("close", (code) => resolve({ code, out }));
  });
}

// The output of one task (from its TASK line to the next one).
function task(out: string, name: string): string {
  const parts = out.split(/\nTASK \[(?:byol_install : )?/);
  return parts.find((p) => p.startsWith(`${name}]`)) ?? `no task ${name} in:\n${out}`;
}

describe("deploy/ansible/install.yml", { skip, timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "byol-playbook-"));
  const one = mkdtempSync(join(tmpdir(), "byol-playbook-one-"));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(one, { recursive: true, force: true });
  });
  writeFileSync(join(dir, "inventory.json"), inventory(dir));
  const records = join(dir, "records");
  const run = playbook(dir, "-e", `byol_records_dir=${records}`);
  // the single host run goes on at the same time, against a server that already has this byol
  writeFileSync(join(one, "inventory.json"), inventory(one));
  mkdirSync(join(one, "srv-good"), { mode: 0o700 });
  copyFileSync(FAKE, join(one, "srv-good", "byol"));
  const single = playbook(one, "--limit", "good", "-e", `byol_records_dir=${join(one, "records")}`);

  it("fails the bad host with byol's error line and installs the good one", async () => {
    const { code, out } = await run;
    assert.equal(code, 2, out);
    assert.match(
      task(out, "Byol | fail this host with byol's error"),
      /fatal: \[bad\]: FAILED! => \{[^}]*"msg": "byol install: Bad sha512 for downloaded file/,
    );
    assert.match(out, /\ngood\s+: ok=\d+ .* failed=0 /);
    assert.match(out, /\nbad\s+: ok=\d+ .* failed=1 /);
    assert.match(out, /\nnotools\s+: ok=\d+ .* failed=1 /);
  });

  it("stops at a failed preflight with all its lines as the message, and starts no install", async () => {
    await run;
    const s = parseHostSummary(readFileSync(join(records, "notools", "summary.json"), "utf8"), "notools");
    assert.deepEqual([s.result, s.exitCode, s.runId, s.record], ["failed", 3, "", ""]);
    assert.equal(
      s.error,
      "byol preflight: missing tools: mdadm (mdadm); rerun with --install-missing; byol preflight: the kernel lacks nbd",
    );
    assert.equal(readFileSync(join(dir, "srv-notools", "state", "argv"), "utf8"), "preflight --request -\n");
  });

  it("fetches both records (--report or where --detach said) into a folder named after each host, and writes their summaries", async () => {
    await run;
    const good = parseHostSummary(readFileSync(join(records, "good", "summary.json"), "utf8"), "good");
    const bad = parseHostSummary(readFileSync(join(records, "bad", "summary.json"), "utf8"), "bad");
    assert.deepEqual([good.result, good.exitCode, good.error], ["ok", 0, ""]);
    assert.deepEqual([bad.result, bad.exitCode], ["failed", 3]);
    assert.match(bad.error, /^byol install: Bad sha512 for downloaded file, got : 12 while expecting : de$/);
    for (const s of [good, bad]) {
      assert.equal(s.record, join(records, s.host, `${s.runId}.tar`));
      assert.ok(existsSync(s.record), `${s.record} was not fetched`);
    }
    const lines = parseSummaryLines(readFileSync(join(records, "summary.txt"), "utf8"));
    assert.deepEqual(
      lines.map((l) => [l.host, l.result, l.record, l.error]),
      [
        ["bad", "failed", bad.record, bad.error],
        ["good", "ok", good.record, undefined],
        [
          "notools",
          "failed",
          undefined,
          "byol preflight: missing tools: mdadm (mdadm); rerun with --install-missing; byol preflight: the kernel lacks nbd",
        ],
      ],
    );
  });

  it("copies byol once, gives the request on stdin only, and shows no secret even with -vvv", async () => {
    const { out } = await run;
    for (const s of SECRETS) assert.ok(!out.includes(s), `${s} in the playbook's output`);
    for (const host of ["good", "bad"]) {
      const state = join(dir, `srv-${host}`, "state");
      const argv = readFileSync(join(state, "argv"), "utf8");
      for (const s of SECRETS) assert.ok(!argv.includes(s), `${s} on byol's argv`);
      assert.match(
        argv,
        /^preflight --request -\ninstall --detach --json --request - --no-reboot( --report \S+)?\nstatus --json\n/,
      );
      assert.match(readFileSync(join(state, "request.sha256"), "utf8"), /^[0-9a-f]{64}\n$/);
    }
    assert.deepEqual(readdirSync(join(dir, "srv-good")).sort(), ["byol", "record.tar", "state"]);
  });

  it("works for a single host, and skips the copy when the sha256 matches", async () => {
    const r = await single;
    assert.equal(r.code, 0, r.out);
    assert.match(task(r.out, "Byol | copy the executable (its sha256 differs)"), /^skipping: \[good\]/m);
    assert.deepEqual(
      parseSummaryLines(readFileSync(join(one, "records", "summary.txt"), "utf8")).map((l) => [l.host, l.result]),
      [["good", "ok"]],
    );
    assert.ok(!existsSync(join(one, "srv-bad")), "the host left out by --limit was touched");
  });
});

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  FLEET_GROUP,
  fleetInventory,
  parseFleet,
  parseHostSummary,
  parseSummaryLines,
  payloadVars,
  resultLineOf,
} from "../../scripts/rig/fleet-inventory.ts";
import { parseResult } from "../../scripts/rig/outcome.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const TEMPLATE = join(repo, "deploy", "ansible", "roles", "byol_install", "templates", "request.json.j2");

// A real fixture request with a header (a secret) and the storage of a rig scenario added.
const fixture = (path: string) => JSON.parse(readFileSync(join(repo, "fixtures", path), "utf8"));
const base = fixture("requests/byolinux-1disk.json");
const request = {
  ...base,
  customizations: { ...base.customizations, httpHeaders: { Authorization: "Basic c2VjcmV0" } },
  storage: fixture("scenarios/bios-single-ext4.json").request.storage,
};

const hosts = [
  { name: "good", sshPort: 40022, keyPath: "/k/good", knownHosts: "/o/known_hosts", request },
  {
    name: "bad",
    sshPort: 40023,
    keyPath: "/k/bad",
    knownHosts: "/o/known_hosts",
    request: {
      operatingSystem: "byoi_64",
      customizations: { imageURL: "http://x/y.raw", efiBootloaderPath: "\\efi\\x" },
    },
  },
];

describe("payloadVars", () => {
  it("maps every customization and the storage to the role's variables", () => {
    const v = payloadVars(request);
    assert.equal(v["byol_operating_system"], "byolinux_64");
    assert.equal(v["byol_image_url"], request.customizations.imageURL);
    assert.deepEqual(v["byol_http_headers"], { Authorization: "Basic c2VjcmV0" });
    assert.equal(v["byol_user_data"], request.customizations.configDriveUserData);
    assert.equal(v["byol_image_checksum_type"], "sha256");
    assert.deepEqual(v["byol_storage"], request.storage);
    assert.equal((v["byol_storage"] as unknown[]).length, 1);
    assert.equal(Object.keys(v).length, 9);
  });

  it("refuses what the template cannot carry instead of dropping it", () => {
    assert.throws(
      () => payloadVars({ ...request, customizations: { ...request.customizations, language: "en" } }),
      /customizations\.language/,
    );
    assert.throws(() => payloadVars({ templateName: "x", userMetadata: [] }), /templateName, userMetadata/);
    assert.throws(() => payloadVars({ customizations: {} }), /operatingSystem/);
  });
});

describe("fleetInventory", () => {
  const inv = fleetInventory(hosts, { byol: "/repo/dist/byol", report: "/var/tmp/r.tar" }) as Record<
    string,
    { vars: Record<string, unknown>; hosts: Record<string, Record<string, unknown>> }
  >;

  it("puts every host on 127.0.0.1 at its own port with its key", () => {
    const group = inv[FLEET_GROUP]!;
    assert.deepEqual(Object.keys(group.hosts), ["good", "bad"]);
    assert.equal(group.hosts["good"]!["ansible_host"], "127.0.0.1");
    assert.equal(group.hosts["good"]!["ansible_port"], 40022);
    assert.equal(group.hosts["bad"]!["ansible_port"], 40023);
    assert.equal(group.hosts["bad"]!["ansible_ssh_private_key_file"], "/k/bad");
    assert.match(String(group.hosts["good"]!["ansible_ssh_common_args"]), /UserKnownHostsFile=\/o\/known_hosts/);
    assert.equal(group.hosts["bad"]!["byol_efi_bootloader_path"], "\\efi\\x");
  });

  it("sets the rig's install settings for the whole group", () => {
    const vars = inv[FLEET_GROUP]!.vars;
    assert.equal(vars["ansible_user"], "root");
    assert.equal(vars["byol_local_executable"], "/repo/dist/byol");
    assert.equal(vars["byol_report"], "/var/tmp/r.tar");
    assert.equal(vars["byol_boot_order"], "disk-first");
    assert.equal(vars["byol_install_missing"], true);
  });

  const ansible = spawnSync("ansible-playbook", ["--version"]).status === 0;
  it(
    "renders, through the role's Jinja template, the very request it was made from",
    { skip: ansible ? false : "ansible-playbook is not installed (scripts/host-packages.txt)" },
    () => {
      const dir = mkdtempSync(join(tmpdir(), "byol-fleet-inv-"));
      try {
        writeFileSync(join(dir, "inventory.json"), JSON.stringify(inv));
        const playbook = [
          `- hosts: ${FLEET_GROUP}`,
          "  gather_facts: false",
          "  tasks:",
          "    - ansible.builtin.copy:",
          `        content: " {{ lookup('ansible.builtin.template', '${TEMPLATE}') }}"`,
          `        dest: "${dir}/{{ inventory_hostname }}.json"`,
          "        mode: '0600'",
          "      delegate_to: localhost",
        ].join("\n");
        writeFileSync(join(dir, "render.yml"), `${playbook}\n`);
        const r = spawnSync("ansible-playbook", ["-i", join(dir, "inventory.json"), join(dir, "render.yml")], {
          encoding: "utf8",
          env: { ...process.env, ANSIBLE_NOCOLOR: "1", ANSIBLE_LOCAL_TEMP: dir, ANSIBLE_HOME: dir },
        });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        for (const h of hosts) {
          const rendered = JSON.parse(readFileSync(join(dir, `${h.name}.json`), "utf8"));
          const want =
            h.name === "bad"
              ? { ...h.request, customizations: { ...h.request.customizations, hostname: "bad" } }
              : h.request;
          assert.deepEqual(rendered, want);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("parseFleet", () => {
  it("reads fixtures/fleets/two.json: one good host, one bad, 2 GiB each", () => {
    const file = join(repo, "fixtures", "fleets", "two.json");
    const f = parseFleet(readFileSync(file, "utf8"), file);
    assert.deepEqual(
      f.hosts.map((h) => h.name),
      ["good", "bad"],
    );
    assert.equal(f.memoryMiB, 2048);
  });

  it("refuses two hosts of one name and a bad field, naming it", () => {
    const two = {
      name: "f",
      hosts: [
        { name: "a", scenario: "x.json" },
        { name: "a", scenario: "y.json" },
      ],
    };
    assert.throws(() => parseFleet(JSON.stringify(two), "f.json"), /two hosts are named a/);
    assert.throws(() => parseFleet('{"name":"f","hosts":[]}', "f.json"), /hosts/);
    assert.throws(() => parseFleet("{", "f.json"), /f\.json: not JSON/);
  });
});

describe("the playbook's outcome", () => {
  const failed = {
    host: "bad",
    result: "failed",
    exitCode: "3",
    error: "byol install: Bad sha512 for downloaded file, got : 12 while expecting : de",
    runId: "20261203-1",
    durationSeconds: "41",
    record: "/o/records/bad/20261203-1.tar",
  };

  it("reads a host's summary.json, numbers rendered as text included", () => {
    const s = parseHostSummary(JSON.stringify(failed), "summary.json");
    assert.equal(s.exitCode, 3);
    assert.equal(s.durationSeconds, 41);
    assert.throws(
      () => parseHostSummary(JSON.stringify({ ...failed, result: "maybe" }), "s.json"),
      /s\.json: 1 problem\(s\):\n {2}result: /,
    );
  });

  it("gives the rig byol's result line: exit code and error message", () => {
    const r = parseResult(resultLineOf(parseHostSummary(JSON.stringify(failed), "s.json")));
    assert.equal(r?.exitCode, 3);
    assert.equal(r?.ok, false);
    assert.match(r?.error?.message ?? "", /^Bad sha512 for downloaded file/);
    const ok = parseResult(
      resultLineOf({ ...parseHostSummary(JSON.stringify(failed), "s"), result: "ok", exitCode: 0 }),
    );
    assert.deepEqual([ok?.ok, ok?.exitCode, ok?.error], [true, 0, undefined]);
  });

  it("parses the summary lines, from the file and from the playbook's output", () => {
    const file = [
      "bad failed 41s record=/o/records/bad/r1.tar error=byol install: Bad sha512 for downloaded file",
      "good ok 402s record=/o/records/good/r2.tar",
      "late not run 0s record=-",
      "",
    ].join("\n");
    const lines = parseSummaryLines(file);
    assert.deepEqual(lines, [
      {
        host: "bad",
        result: "failed",
        seconds: 41,
        record: "/o/records/bad/r1.tar",
        error: "byol install: Bad sha512 for downloaded file",
      },
      { host: "good", result: "ok", seconds: 402, record: "/o/records/good/r2.tar" },
      { host: "late", result: "not run", seconds: 0 },
    ]);
    const output =
      'TASK [One line per host]\nok: [localhost] => {\n    "msg": [\n        "good ok 402s record=/o/g.tar",\n        "bad failed 41s record=/o/b.tar error=byol install: \\"x\\""\n    ]\n}\n';
    assert.deepEqual(
      parseSummaryLines(output).map((l) => [l.host, l.result, l.error]),
      [
        ["good", "ok", undefined],
        ["bad", "failed", 'byol install: "x"'],
      ],
    );
    assert.deepEqual(parseSummaryLines("PLAY RECAP\ngood : ok=3 changed=1\n"), []);
  });
});

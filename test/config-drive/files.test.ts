import assert from "node:assert/strict";
import { test } from "node:test";
import { configDriveFiles } from "../../agent/config-drive/files.ts";
import type { InstallRequest } from "../../agent/request/types.ts";

const uuid = "6f1c2a8e-3b0e-4c55-9d4e-0c7f1b2a3c4d";

function request(overrides: Partial<InstallRequest> = {}): InstallRequest {
  return {
    operatingSystem: "byolinux_64",
    image: { url: "https://example.test/i.qcow2", type: "qcow2", httpHeaders: {} },
    configDriveMetadata: {},
    storage: [{ diskGroupId: 1, layout: [], defaultLayout: true }],
    ...overrides,
  };
}

function read(files: ReturnType<typeof configDriveFiles>, path: string): string | undefined {
  const f = files.find((x) => x.path === path);
  return f === undefined ? undefined : Buffer.from(f.data).toString("utf8");
}

test("meta_data.json carries uuid, hostname, public keys, meta and launch_index", () => {
  const files = configDriveFiles(
    request({ hostname: "web1", sshKey: "ssh-ed25519 AAAA me@x\n", configDriveMetadata: { role: "web" } }),
    [],
    uuid,
  );
  assert.deepEqual(JSON.parse(read(files, "openstack/latest/meta_data.json") ?? ""), {
    uuid,
    hostname: "web1",
    name: "web1",
    public_keys: { default: "ssh-ed25519 AAAA me@x" },
    meta: { role: "web" },
    launch_index: 0,
  });
});

test("without hostname or key, meta_data.json has only uuid, meta and launch_index", () => {
  const files = configDriveFiles(request(), [], uuid);
  assert.deepEqual(JSON.parse(read(files, "openstack/latest/meta_data.json") ?? ""), {
    uuid,
    meta: {},
    launch_index: 0,
  });
  assert.equal(read(files, "openstack/latest/user_data"), undefined);
});

test("user_data is the exact decoded user data and is marked secret", () => {
  const userData = "#!/bin/bash\necho héllo >/etc/motd\n";
  const files = configDriveFiles(request({ userData }), [], uuid);
  const f = files.find((x) => x.path === "openstack/latest/user_data");
  assert.ok(f);
  assert.equal(f.secret, true);
  assert.deepEqual(Buffer.from(f.data), Buffer.from(userData, "utf8"));
  for (const other of files.filter((x) => x !== f)) {
    assert.equal(other.secret, false);
    assert.ok(!Buffer.from(other.data).toString().includes("motd"));
  }
});

test("every file lives under openstack/latest", () => {
  const files = configDriveFiles(request({ userData: "x: 1" }), [], uuid);
  assert.deepEqual(
    files.map((f) => f.path),
    ["openstack/latest/meta_data.json", "openstack/latest/network_data.json", "openstack/latest/user_data"],
  );
});

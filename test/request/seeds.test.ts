// OVH's own example payloads (seeds 000, 002, 004) are accepted and normalised as documented.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultLayout } from "../../agent/request/index.ts";
import { accepted, loadFixture } from "./fixture.ts";

const CLOUD_CONFIG = `#cloud-config
ssh_authorized_keys:
  - ssh-rsa AAAAB8djYiw== myself@mydomain.net

users:
  - name: patient0
    sudo: ALL=(ALL) NOPASSWD:ALL
    groups: users, sudo
    shell: /bin/bash
    lock_passwd: false
    ssh_authorized_keys:
      - ssh-rsa AAAAB8djYiw== myself@mydomain.net
disable_root: false
packages:
  - vim
  - tree
final_message: The system is finally up, after $UPTIME seconds
`;

describe("seed payloads", () => {
  it("byolinux reinstall (seed 004): qcow2 by default, plain-text user data kept as is", () => {
    const request = accepted(loadFixture("ovh-byolinux-reinstall.json"));
    assert.equal(request.operatingSystem, "byolinux_64");
    assert.equal(request.hostname, "myHostname");
    assert.equal(request.image.type, "qcow2");
    assert.equal(request.image.checksum?.type, "sha512");
    assert.equal(request.image.checksum?.value.length, 128);
    assert.deepEqual(request.image.httpHeaders, { Authorization: "Basic dGhlb3dsc2FyZW5vdDp3aGF0dGhleXNlZW1z=" });
    assert.equal(
      request.userData,
      '#!/bin/bash\necho "Hi, sounds like BYOLinux as ostemplate is a success!" >/etc/motd',
    );
    assert.deepEqual(request.storage, [{ diskGroupId: 1, layout: defaultLayout(), defaultLayout: true }]);
  });

  it("byoi (seed 002): raw image, EFI loader path, base64 user data decoded", () => {
    const request = accepted(loadFixture("ovh-byoi.json"));
    assert.equal(request.operatingSystem, "byoi_64");
    assert.equal(request.hostname, "mon-tux");
    assert.equal(request.image.type, "raw");
    assert.equal(request.efiBootloaderPath, "\\efi\\debian\\grubx64.efi");
    assert.match(request.sshKey ?? "", /^ssh-rsa AAAAB3NzaC1yc2E.* my-nuclear-power-plant$/);
    assert.equal(request.userData, CLOUD_CONFIG);
    assert.deepEqual(request.storage, [{ diskGroupId: 1, layout: [], defaultLayout: false }]);
  });

  it("legacy install/start (seed 000) normalises to the same shape as the reinstall form", () => {
    const legacy = accepted(loadFixture("ovh-legacy-install-start.json"));
    const modern = accepted({
      operatingSystem: "byolinux_64",
      customizations: {
        hostname: "myCustomBYOLinux",
        imageURL: "https://github.com/ashmonger/akution_test/releases/download/0.5-compress/deb11k6.qcow2",
        httpHeaders: { Authorization: "Basic bG9naW46cGFzc3dvcmQ=" },
        imageCheckSum:
          "367f26c915f39314dde155db3a2b0326803e06975d1f4be04256f8b591e38fd4062d36eb7d50e99da7a50b7f4cd69640e56a4ab93e8e0274e4e478e0f84b5d29",
        imageCheckSumType: "sha512",
        configDriveUserData: Buffer.from(CLOUD_CONFIG).toString("base64"),
      },
    });
    assert.deepEqual(legacy, modern);
    assert.equal(legacy.userData, CLOUD_CONFIG);
    assert.equal(legacy.storage[0]?.defaultLayout, true);
  });
});

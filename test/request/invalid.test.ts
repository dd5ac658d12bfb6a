// Every invalid fixture yields exactly its documented message (OVH wording where OVH has one).

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseRequest } from "../../agent/request/index.ts";

const DIR = new URL("../../fixtures/requests/invalid/", import.meta.url);

const HOST_WANTED =
  "expected a host name (RFC 1123: letters, digits and hyphens, labels of 1-63 characters separated by dots, 253 characters at most)";
const SIZE_WANTED = "expected a whole number of MiB (0 = fill the remaining space)";
const ESP = "expected a mount point other than /boot/efi (byol creates the EFI system partition on every disk itself)";
const CUSTOM_KEYS =
  "hostname, imageURL, imageType, imageCheckSum, imageCheckSumType, httpHeaders, sshKey, configDriveUserData, configDriveMetadata, efiBootloaderPath";
const LEGACY_KEYS =
  "imageURL, imageType, imageCheckSum, imageCheckSumType, sshKey, configDriveUserData, configDriveMetadata, efiBootloaderPath, httpHeadersNKey, httpHeadersNValue";
const L = "storage[0].partitioning.layout";

const EXPECTED: Record<string, string[]> = {
  "checksum-without-type": ["Please provide checkSum AND checkSumType or none of them"],
  "checksum-type-unknown": ["Bad checkSumType, expected: md5, sha1, sha256, sha512."],
  "image-type-unknown": ["Bad format image, expected: qcow2, raw."],
  "image-type-not-qcow2": ["image provided format is raw which does not match expected qcow2 format"],
  "missing-root": ["Missing / partition. Please add a / partition in your partition scheme!"],
  "image-url-not-http": [
    'customizations.imageURL: expected an http:// or https:// URL, received "ftp://127.0.0.1/images/debian12.qcow2"',
  ],
  "image-url-missing": ["customizations.imageURL: expected an http:// or https:// URL, received nothing"],
  "checksum-length": [
    "customizations.imageCheckSum: expected 64 hexadecimal characters for sha256, received 40 characters",
  ],
  "checksum-not-hex": [
    'customizations.imageCheckSum: expected 64 hexadecimal characters for sha256, received non-hexadecimal characters "z"',
  ],
  "two-fill-partitions": [
    `${L}: expected at most one partition of size 0 (fill the remaining space), received 2 (/ and /home)`,
  ],
  "mountpoint-twice": [`${L}[3].mountPoint: expected each mount point once, received "/boot" again (first at ${L}[0])`],
  "boot-efi-in-layout": [`${L}[0].mountPoint: ${ESP}, received "/boot/efi"`],
  "swap-raid0": [`${L}[1].raidLevel: expected no raidLevel or 1 for swap, received 0`],
  "raid-too-few-disks": [
    `${L}[2].raidLevel: expected at least 3 disks for RAID 5, received 2 (storage[0].partitioning.disks)`,
  ],
  "lv-on-swap": [
    `${L}[1].extras.lv.name: expected no logical volume for swap (swap is a partition or a RAID1 device), received "swap"`,
  ],
  "swap-filesystem-mismatch": [
    `${L}[1]: expected mountPoint "swap" and fileSystem "swap" together, received mountPoint "swap" with fileSystem "ext4"`,
  ],
  "hostname-invalid": [`customizations.hostname: ${HOST_WANTED}, received "my_host.example.com"`],
  "ssh-key-multiline": ["customizations.sshKey: expected one line (one public key), received 2 lines"],
  "os-unknown": ['operatingSystem: expected byolinux_64 or byoi_64, received "debian12_64"'],
  "filesystem-unknown": [`${L}[2].fileSystem: expected ext4, xfs, btrfs, swap or zfs, received "ntfs"`],
  "mountpoint-relative": [`${L}[0].mountPoint: expected an absolute path such as /var, or "swap", received "boot"`],
  "size-negative": [`${L}[0].size: ${SIZE_WANTED}, received -1024`],
  "size-fraction": [`${L}[1].size: ${SIZE_WANTED}, received 1024.5`],
  "raid-level-unknown": [`${L}[2].raidLevel: expected 0, 1, 5, 6, 7 (ZFS only) or 10, received 3`],
  "unknown-top-level-key": [
    'request: expected only the keys operatingSystem, customizations, storage, received unknown key "storgae"',
  ],
  "unknown-customization-key": [
    `customizations: expected only the keys ${CUSTOM_KEYS}, received unknown key "imageUrl" (did you mean "imageURL"?)`,
  ],
  // the name is not shown: a name like "X-Token: abc" holds a credential (issue 15 item 12)
  "header-name-invalid": [
    "customizations.httpHeaders.#1: expected an HTTP header name (letters, digits and !#$%&'*+-.^_`|~), received a name of 7 characters with U+0020 (not shown: it may hold a credential)",
  ],
  "byoi-missing-image-type": [
    "customizations.imageType: expected qcow2 or raw (required for byoi_64), received nothing",
  ],
  "byoi-missing-efi-path": [
    "customizations.efiBootloaderPath: expected an EFI loader path such as \\efi\\debian\\grubx64.efi (required for byoi_64), received nothing",
  ],
  "byoi-partitioning": [
    "storage[0].partitioning: expected no partitioning for byoi_64 (the image is written to the disk as it is), received an object",
  ],
  "legacy-unknown-key": [
    `userMetadata[1].key: expected one of ${LEGACY_KEYS}, received "imageUrl" (did you mean "imageURL"?)`,
  ],
  "legacy-header-without-value": [
    'userMetadata.httpHeaders0Value: expected a value for httpHeaders0Key "Authorization", received nothing',
  ],
  "legacy-partition-scheme": [
    'partitionSchemeName: expected "default" (named partition schemes are stored at OVH; send a reinstall payload with storage instead), received "myRaid0Scheme"',
  ],
  // several problems at once: every one is reported, not just the first
  "several-problems": [
    `customizations.hostname: ${HOST_WANTED}, received "-bad-"`,
    "Bad checkSumType, expected: md5, sha1, sha256, sha512.",
    "image provided format is raw which does not match expected qcow2 format",
    `${L}: expected at most one partition of size 0 (fill the remaining space), received 2 (/data and /data)`,
    `${L}[0].mountPoint: ${ESP}, received "/boot/efi"`,
    `${L}[1].raidLevel: expected no raidLevel or 1 for swap, received 5`,
    `${L}[1].raidLevel: expected at least 3 disks for RAID 5, received 2 (storage[0].partitioning.disks)`,
    `${L}[3].mountPoint: expected each mount point once, received "/data" again (first at ${L}[2])`,
    "Missing / partition. Please add a / partition in your partition scheme!",
  ],
};

function problemsOf(name: string): string[] {
  const result = parseRequest(JSON.parse(readFileSync(new URL(`${name}.json`, DIR), "utf8")));
  assert.equal(result.ok, false, `${name} should be rejected`);
  return result.ok ? [] : result.problems;
}

describe("invalid request fixtures", () => {
  for (const [name, problems] of Object.entries(EXPECTED)) {
    it(name, () => assert.deepEqual(problemsOf(name), problems));
  }

  it("has an expected message for every file in fixtures/requests/invalid", () => {
    const files = readdirSync(DIR).map((f) => f.replace(/\.json$/, ""));
    assert.deepEqual(files.sort(), Object.keys(EXPECTED).sort());
  });
});

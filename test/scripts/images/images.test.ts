import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  IMAGES,
  imageFileName,
  imageFilePattern,
  imageKey,
  imageNames,
  imageSpec,
  imagesDir,
  parseSums,
  recipeScript,
  rootfsOf,
} from "../../../scripts/images/images.ts";

const KEY = "a".repeat(64);
const byolinux = imageSpec("byolinux-debian12");

describe("image specs", () => {
  it("has the seven fixture images, each named once", () => {
    assert.deepEqual(imageNames(), [
      "byolinux-debian12",
      "byolinux-debian12-xfs",
      "byolinux-debian12-script-fails",
      "byolinux-debian12-ovh",
      "byolinux-debian12-zfs",
      "byoi-debian12-raw",
      "byoi-debian12-qcow2",
    ]);
    assert.equal(new Set(imageNames()).size, IMAGES.length);
  });

  it("prepares only the OVH-like image with OVH's recipe, carrying the OVH-like script", () => {
    const ovh = imageSpec("byolinux-debian12-ovh");
    assert.equal(recipeScript(ovh), "ovh-recipe.sh");
    assert.equal(ovh.kind === "byolinux" && ovh.script, "fixtures/make_image_bootable/ovh-like.sh");
    for (const spec of IMAGES) if (spec.name !== ovh.name) assert.equal(recipeScript(spec), undefined, spec.name);
  });

  it("builds only the ZFS image from the ZFS tree", () => {
    assert.deepEqual(
      IMAGES.filter((spec) => rootfsOf(spec) === "zfs").map((spec) => spec.name),
      ["byolinux-debian12-zfs"],
    );
  });

  it("builds conversions from an image that exists", () => {
    for (const spec of IMAGES) if (spec.kind === "convert") assert.ok(imageSpec(spec.from));
  });

  it("names the known images when asked for an unknown one", () => {
    assert.throws(() => imageSpec("debian13"), /no image named 'debian13' \(known: byolinux-debian12, /);
  });
});

describe("imageKey", () => {
  const files = [{ name: "file:build-byolinux.sh", content: "echo build" }];

  it("is stable for the same inputs", () => {
    assert.equal(imageKey(byolinux, KEY, files), imageKey(byolinux, KEY, files));
    assert.match(imageKey(byolinux, KEY, files), /^[0-9a-f]{64}$/);
  });

  it("changes with the base key, a file's content, and the spec", () => {
    const key = imageKey(byolinux, KEY, files);
    assert.notEqual(imageKey(byolinux, "b".repeat(64), files), key);
    assert.notEqual(imageKey(byolinux, KEY, [{ name: "file:build-byolinux.sh", content: "echo other" }]), key);
    assert.notEqual(imageKey(imageSpec("byolinux-debian12-xfs"), KEY, files), key);
  });

  it("does not depend on the order of the files", () => {
    const a = { name: "file:a", content: "1" };
    const b = { name: "file:b", content: "2" };
    assert.equal(imageKey(byolinux, KEY, [a, b]), imageKey(byolinux, KEY, [b, a]));
  });
});

describe("cache file names", () => {
  it("puts name, key and format in the file name, under $BYOL_CACHE/images", () => {
    assert.equal(imageFileName("byoi-debian12-raw", KEY, "raw"), `byoi-debian12-raw-${KEY}.raw`);
    assert.equal(imagesDir({ BYOL_CACHE: "/c" }), "/c/images");
  });

  it("matches one name's files of any key, not a longer name's", () => {
    const pattern = imageFilePattern("byolinux-debian12");
    assert.ok(pattern.test(`byolinux-debian12-${KEY}.qcow2`));
    assert.ok(pattern.test(`byolinux-debian12-${KEY}.qcow2.json`));
    assert.ok(!pattern.test(`byolinux-debian12-xfs-${KEY}.qcow2`));
    assert.ok(!pattern.test(`byolinux-debian12-${KEY}.qcow2.tmp`));
    assert.ok(imageFilePattern("rootfs-debian12").test(`rootfs-debian12-${KEY}.tar.packages`));
  });
});

describe("parseSums", () => {
  const good = {
    name: "byolinux-debian12",
    key: KEY,
    format: "qcow2",
    sizeBytes: 181_000_000,
    sha256: "1".repeat(64),
    sha512: "2".repeat(128),
    buildSeconds: 25,
  };
  const parse = (v: unknown) => parseSums(JSON.stringify(v), "byolinux-debian12", KEY, "qcow2");

  it("reads a sidecar written for this image", () => {
    assert.deepEqual(parse(good), good);
  });

  it("rejects another key, name or format, so the image is rebuilt", () => {
    assert.equal(parse({ ...good, key: "b".repeat(64) }), undefined);
    assert.equal(parse({ ...good, name: "byolinux-debian12-xfs" }), undefined);
    assert.equal(parse({ ...good, format: "raw" }), undefined);
  });

  it("rejects broken sums and sizes, and text that is not JSON", () => {
    assert.equal(parse({ ...good, sha256: "xyz" }), undefined);
    assert.equal(parse({ ...good, sha512: "1".repeat(64) }), undefined);
    assert.equal(parse({ ...good, sizeBytes: 0 }), undefined);
    assert.equal(parse({ ...good, sizeBytes: "1" }), undefined);
    assert.equal(parseSums("{", "byolinux-debian12", KEY, "qcow2"), undefined);
    assert.equal(parseSums("null", "byolinux-debian12", KEY, "qcow2"), undefined);
  });
});

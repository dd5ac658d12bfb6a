// When several pre-write checks fail, the most fundamental is reported (issue 15 item 11): an
// image too big for RAM (or for the disk) whose first bytes show another format than the
// request's imageType is refused for its format, whether the size was announced or outgrew the
// limit while streaming. Table: every format detectFormat knows, against both image types.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { downloadImage } from "../../agent/download/image.ts";
import { send, serve } from "../support/image-server.ts";
import { setup } from "./setup.ts";

// The first bytes of each format (the magic numbers qemu knows; raw: an MBR with its signature).
function headOf(format: string): Buffer {
  const b = Buffer.alloc(8192, 0x5a);
  const put = (at: number, text: string) => b.write(text, at, "latin1");
  switch (format) {
    case "qcow2":
      put(0, "QFI\xfb");
      break;
    case "qed":
      put(0, "QED\x00");
      break;
    case "vmdk":
      put(0, "KDMV");
      break;
    case "vdi":
      put(64, "\x7f\x10\xda\xbe");
      break;
    case "vhdx":
      put(0, "vhdxfile");
      break;
    case "vpc":
      put(0, "conectix");
      break;
    case "luks":
      put(0, "LUKS\xba\xbe");
      break;
    default:
      b.fill(0, 0, 512);
      put(510, "\x55\xaa");
  }
  return b;
}

const FORMATS = ["raw", "qcow2", "qed", "vmdk", "vdi", "vhdx", "vpc", "luks"];
const LIMIT = 64 * 1024;

describe("the format is judged before the size", () => {
  for (const expected of ["qcow2", "raw"] as const) {
    for (const actual of FORMATS) {
      for (const announced of [true, false]) {
        const how = announced ? "announced by Content-Length" : "outgrowing the limit while streaming";
        it(`a ${actual} image sent as ${expected}, too big (${how})`, async () => {
          await using s = await setup();
          const image = Buffer.concat([headOf(actual), Buffer.alloc(LIMIT * 2)]);
          await using srv = await serve((req, res) => send(image, req, res, { length: announced }));
          const options = s.options(srv.url, { limitBytes: LIMIT, imageType: expected, connections: 1 });
          const error = await downloadImage(options).then(
            () => assert.fail("downloaded"),
            (e: unknown) => e as { code: string; message: string },
          );
          if (actual === expected) {
            assert.equal(error.code, "too-big", error.message);
          } else {
            assert.equal(error.code, "image", error.message);
            assert.equal(
              error.message,
              `image provided format is ${actual} which does not match expected ${expected} format`,
            );
          }
        });
      }
    }
  }
});

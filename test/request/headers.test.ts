// httpHeaders (issue 15 items 8 and 12): validate refuses every header name and value that undici,
// the HTTP client the download uses, would refuse, and the headers that govern the connection or
// the transfer. The table is not written by hand: undici is asked, character by character.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Agent } from "undici";
import { openImage } from "../../agent/download/http.ts";
import { parseRequest } from "../../agent/request/index.ts";
import { type Served, serve } from "../support/image-server.ts";
import { byolinux } from "./fixture.ts";

// Every C0/C1 control, ASCII, Latin-1, and a few beyond it (a surrogate half, BOM, emoji, €).
const CANDIDATES = [
  ...Array.from({ length: 0x180 }, (_, i) => String.fromCharCode(i)),
  "\u2028",
  "\u20ac",
  "\ud800",
  "\ufeff",
  "\ufffd",
  "\u{1f600}",
];
const RESERVED = [
  "Host",
  "Connection",
  "Keep-Alive",
  "Transfer-Encoding",
  "TE",
  "Trailer",
  "Upgrade",
  "Content-Length",
  "Expect",
  "Proxy-Authorization",
  "proxy-connection",
  "Range",
  "If-Range",
  "HOST",
];

let server: Served;
let agent: Agent;
before(async () => {
  server = await serve((_req, res) => res.writeHead(200, { "content-length": 0 }).end());
  agent = new Agent();
});
after(async () => {
  await agent.close();
  await server[Symbol.asyncDispose]();
});

// undici's own verdict: the GET byol's download sends, with this one header.
async function undiciRefuses(name: string, value: string): Promise<boolean> {
  try {
    const res = await openImage({ url: `${server.url}/img`, headers: { [name]: value } }, {}, { dispatcher: agent });
    res.discard();
    return false;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "UND_ERR_INVALID_ARG" || code === "UND_ERR_NOT_SUPPORTED") return true;
    throw error;
  }
}

function validateRefuses(name: string, value: string): string[] {
  const result = parseRequest(byolinux({ httpHeaders: { [name]: value } }));
  return result.ok ? [] : result.problems;
}

const show = (c: string) => `U+${c.codePointAt(0)!.toString(16).padStart(4, "0")}`;

describe("httpHeaders: validate agrees with undici", () => {
  it("a character undici refuses in a name is refused by validate, and only those", async () => {
    for (const c of CANDIDATES) {
      const name = `X-A${c}b`;
      const undici = await undiciRefuses(name, "v");
      const problems = validateRefuses(name, "v");
      assert.equal(problems.length > 0, undici, `name with ${show(c)}: undici refuses=${undici}, validate=${problems}`);
    }
  });

  it("a character undici refuses in a value is refused by validate, and only those", async () => {
    for (const c of CANDIDATES) {
      const value = `v${c}v`;
      const undici = await undiciRefuses("X-Image-Token", value);
      const problems = validateRefuses("X-Image-Token", value);
      assert.equal(
        problems.length > 0,
        undici,
        `value with ${show(c)}: undici refuses=${undici}, validate=${problems}`,
      );
      for (const p of problems) assert.ok(!p.includes(value), p);
    }
  });

  it("refuses hop-by-hop, framing and range headers, naming the header once", async () => {
    for (const name of RESERVED) {
      const problems = validateRefuses(name, "1");
      assert.equal(problems.length, 1, `${name}: ${problems}`);
      assert.ok(problems[0]!.startsWith(`customizations.httpHeaders.${name}: expected a header other than Host`));
    }
  });

  it("accepts ordinary names and Latin-1 values", () => {
    for (const [name, value] of [
      ["Authorization", "Basic dXNlcjpwYXNz"],
      ["X-Amz-Date", "20260101T000000Z"],
      ["Cookie", "a=b; c=d"],
      ["X-Note", "caf\u00e9 cr\u00e8me"],
    ] as [string, string][]) {
      assert.deepEqual(validateRefuses(name, value), [], `${name}`);
    }
  });
});

describe("httpHeaders: a name that holds a credential is never echoed (item 12)", () => {
  const secret = "abc123SECRETtoken";
  const names = [
    `X-Token: ${secret}`,
    `Authorization: Bearer ${secret}`,
    `${secret}\r\nX: y`,
    `X-Token=${secret}`,
    `Bearer ${secret}`,
  ];
  for (const name of names) {
    it(`refuses ${JSON.stringify(name.replace(secret, "…"))} without showing it`, () => {
      for (const value of ["v", 7]) {
        const result = parseRequest(byolinux({ httpHeaders: { Accept: "x", [name]: value } }));
        assert.equal(result.ok, false);
        const text = result.ok ? "" : result.problems.join("\n");
        assert.ok(!text.includes(secret), text);
        assert.match(text, /customizations\.httpHeaders\.#2: /);
      }
    });
  }

  it("in the legacy userMetadata form too", () => {
    const result = parseRequest({
      templateName: "byolinux_64",
      userMetadata: [
        { key: "imageURL", value: "http://127.0.0.1/x.qcow2" },
        { key: "httpHeaders0Key", value: `X-Token: ${secret}` },
        { key: "httpHeaders1Key", value: `X-Other: ${secret}` },
        { key: "httpHeaders1Value", value: "v" },
      ],
    });
    assert.equal(result.ok, false);
    const text = result.ok ? "" : result.problems.join("\n");
    assert.ok(!text.includes(secret), text);
    assert.match(text, /userMetadata\.httpHeaders\.#1: expected an HTTP header name/);
  });
});

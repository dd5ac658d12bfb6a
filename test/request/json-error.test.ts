// JSON syntax errors: V8's reason, our line and column, never the text itself.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonErrorReason } from "../../agent/request/json-error.ts";

function reason(source: string): string {
  try {
    JSON.parse(source);
  } catch (error) {
    return jsonErrorReason(error, source);
  }
  throw new Error("source parsed");
}

describe("jsonErrorReason", () => {
  it("locates errors V8 reports with a quoted snippet and no position", () => {
    const source = `{\n  "customizations": {\n    "httpHeaders": { "Authorization": Basic s3cr3t-long-value-xx }\n  }\n}`;
    assert.equal(reason(source), "Unexpected token 'B' at line 3 column 39");
  });

  it("keeps V8's reason and position for the other errors", () => {
    assert.equal(reason('{"a": 1,\n "b" 2}'), "Expected ':' after property name at line 2 column 6");
    assert.equal(reason("[1 2]"), "Expected ',' or ']' after array element at line 1 column 4");
    assert.equal(reason('{"a": 1} x'), "Unexpected non-whitespace character after JSON at line 1 column 10");
    assert.equal(reason('"a\u0001"'), "Bad control character in string literal at line 1 column 3");
  });

  it("says only that the text ended early", () => {
    assert.equal(reason('{"a": ['), "Unexpected end of JSON input");
    assert.equal(reason(""), "Unexpected end of JSON input");
  });
});

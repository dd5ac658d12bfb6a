// configDriveUserData arrives base64-encoded (OVH's recommendation) or as plain text
// (seed 004's "#!/bin/bash\n..."). OVH does not say which, so the value itself decides.

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// control characters other than \t \n \r (and DEL): decoded binary, not text
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

// The decoded text when `value` is strict base64 of UTF-8 text; undefined when it is not.
// Line breaks are dropped first, so `base64` output wrapped at 76 columns is recognised too.
export function decodeBase64Text(value: string): string | undefined {
  const compact = value.replace(/\r?\n/g, "");
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
  const bytes = Buffer.from(compact, "base64");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  return CONTROL.test(text) ? undefined : text;
}

// The user data as cloud-init will read it: decoded when base64, as given otherwise.
export function decodeUserData(value: string): string {
  return decodeBase64Text(value) ?? value;
}

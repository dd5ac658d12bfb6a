// Strings that come from a request or a run record (mount points, messages, command output) are
// shown escaped, so a control character cannot move the cursor, rewrite a line, hide text or
// fake one (\r, ESC sequences, bidi overrides). The one helper every printer uses.

// C0 and C1 controls, DEL, the line and paragraph separators, and the bidi embedding/override/isolate marks.
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e" };

// The character as \n, \e, \xHH or \uHHHH (what bash's $'…' and JSON read back).
function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

// `text` with every control character written as an escape; printable text (any script) unchanged.
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

// True when escapeControls would change `text`.
export function hasControls(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}

// A whole text for a terminal: each line escaped, the line breaks kept.
export function escapeLines(text: string): string {
  return text.split("\n").map(escapeControls).join("\n");
}

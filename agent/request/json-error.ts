// V8's JSON.parse messages can quote the input ('..."Basic s3cr"... is not valid JSON'),
// and a request holds secrets. We keep V8's reason and compute the line and column ourselves.

// The reason alone: "Unexpected token 'B'", "Expected ',' or '}' after property value".
function reasonOf(message: string): string {
  return message
    .replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, "")
    .replace(/( in JSON)? at position \d+.*$/s, "");
}

// True when parsing `source.slice(0, n)` failed only because the text stopped early.
function stoppedEarly(message: string, n: number): boolean {
  const at = /at position (\d+)/.exec(message);
  return message.startsWith("Unexpected end of JSON input") || (at !== null && Number(at[1]) >= n);
}

// The offset of the first character that makes the text invalid JSON (not merely incomplete):
// the shortest wrong prefix, found by bisection. V8 reports no position for some errors.
function failureOffset(source: string): number {
  const wrong = (n: number) => {
    try {
      JSON.parse(source.slice(0, n));
      return false;
    } catch (error) {
      return !stoppedEarly(error instanceof Error ? error.message : "", n);
    }
  };
  if (!wrong(source.length)) return source.length;
  let lo = 1;
  let hi = source.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (wrong(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

// "Unexpected token 'B' at line 2 column 20", or the bare reason when the text just ends.
export function jsonErrorReason(error: unknown, source: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = reasonOf(message);
  if (message.startsWith("Unexpected end of JSON input")) return reason;
  const before = source.slice(0, failureOffset(source));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `${reason} at line ${line} column ${column}`;
}

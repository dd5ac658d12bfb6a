// An install outlives whoever watches it. Over SSH the observer is a terminal or a pipe that can
// go at any moment: a closed pipe makes the next write fail with EPIPE (an unhandled 'error' on
// process.stdout would kill the run with no teardown) and a dropped session sends SIGHUP (whose
// default kills the process). Both would leave mounts, arrays and half-written disks behind.
// The run's own record (events.jsonl, status.json, the journal, the log) does not depend on
// stdout, so losing the observer loses nothing but the live view.

export interface ObserverOptions {
  onHangup?: () => void; // SIGHUP arrived; it is otherwise ignored
  onClosed?: (stream: "stdout" | "stderr", error: Error) => void; // the first write error on it
}

// For the lifetime of this process: write errors on stdout/stderr are swallowed (once broken, a
// stream drops further writes silently), and SIGHUP no longer terminates. SIGINT and SIGTERM keep
// their meaning (the install turns them into a teardown and exit 130).
export function outliveObserver(opts: ObserverOptions = {}): void {
  process.on("SIGHUP", () => opts.onHangup?.());
  ignoreWriteErrors(process.stdout, "stdout", opts.onClosed);
  ignoreWriteErrors(process.stderr, "stderr", opts.onClosed);
}

// A stream whose reader went away: report the first error, then stay quiet. After an error a
// Writable is destroyed, and Node drops later writes on a destroyed stream without a new event.
export function ignoreWriteErrors<S extends string>(
  stream: NodeJS.WritableStream,
  name: S,
  onClosed?: (stream: S, error: Error) => void,
): void {
  if (typeof stream.on !== "function") return; // a bare { write } (tests) has no errors to report
  let reported = false;
  stream.on("error", (error: Error) => {
    if (reported) return;
    reported = true;
    onClosed?.(name, error);
  });
}

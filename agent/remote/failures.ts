// ssh's failures (its exit 255) read from its stderr into byol remote's RemoteError and exit codes
// (agent/errors.ts).

import { RemoteError } from "../errors.ts";

const HOST_KEY = [
  /Host key verification failed/,
  /REMOTE HOST IDENTIFICATION HAS CHANGED/,
  /No \S+ host key is known for/,
  /host key for .* has changed/i,
];
const AUTH = [/Permission denied \(/, /Too many authentication failures/, /No more authentication methods/];
const UNREACHABLE = [
  /Could not resolve hostname/,
  /Connection refused/,
  /Connection timed out/,
  /Operation timed out/,
  /No route to host/,
  /Network is unreachable/,
  /Connection reset by/,
  /Connection closed by/,
  /Broken pipe/,
  /Timeout, server .* not responding/,
  /kex_exchange_identification/,
  /connect to host .* port \d+/,
];

// What an ssh exit says, if it is ssh's own failure (255) rather than the remote command's.
// Undefined for a remote command's exit code.
export function sshFailure(exitCode: number, stderr: string, where: string): RemoteError | undefined {
  if (exitCode !== 255) return undefined;
  const line = lastMeaningfulLine(stderr);
  if (HOST_KEY.some((p) => p.test(stderr))) {
    return new RemoteError(
      "hostKey",
      `the host key of ${where} could not be verified (${line}); check known_hosts (a server reinstalled or back in rescue may have a new key: ssh-keygen -R HOST), or --host-key-check accept-new for a server never seen`,
    );
  }
  if (AUTH.some((p) => p.test(stderr))) return new RemoteError("authentication", `${where} refused the login: ${line}`);
  if (UNREACHABLE.some((p) => p.test(stderr)) || stderr.trim() === "") {
    return new RemoteError("unreachable", `cannot reach ${where}: ${line || "ssh exited with 255"}`);
  }
  return new RemoteError("unreachable", `ssh to ${where} failed: ${line}`);
}

// Retrying makes sense only for a connection that broke or could not be made this time.
export function isRetryable(error: RemoteError): boolean {
  return error.kind === "unreachable";
}

// The verdict line (a changed key, no key known, a refused login) before any other; never the banner.
const VERDICTS = [
  /Host key for .* has changed/i,
  /No \S+ host key is known/,
  /Permission denied/,
  ...HOST_KEY,
  ...AUTH,
];

function lastMeaningfulLine(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.replace(/\r$/, "").trim())
    .filter((l) => l !== "" && !l.startsWith("@") && !l.startsWith("Warning: Permanently added"));
  for (const verdict of VERDICTS) {
    const line = lines.find((l) => verdict.test(l));
    if (line !== undefined) return line;
  }
  return lines.at(-1) ?? "";
}

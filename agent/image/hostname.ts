// /etc/hostname and the 127.0.1.1 line of /etc/hosts for the request's hostname. Pure.

export function hostnameFile(hostname: string): string {
  return `${hostname.split(".")[0]}\n`;
}

// Replaces the 127.0.1.1 line(s), or adds one after 127.0.0.1; everything else is kept.
export function hostsWith(hosts: string | undefined, hostname: string): string {
  const short = hostname.split(".")[0] ?? hostname;
  const entry = `127.0.1.1\t${short === hostname ? hostname : `${hostname} ${short}`}`;
  const lines = (hosts ?? "127.0.0.1\tlocalhost\n").replace(/\n$/, "").split("\n");
  const out: string[] = [];
  let placed = false;
  for (const line of lines) {
    if (/^\s*127\.0\.1\.1\s/.test(line)) {
      if (!placed) out.push(entry);
      placed = true;
      continue;
    }
    out.push(line);
    if (!placed && /^\s*127\.0\.0\.1\s/.test(line)) {
      out.push(entry);
      placed = true;
    }
  }
  if (!placed) out.push(entry);
  return `${out.join("\n")}\n`;
}

// The installed system's /etc/mdadm/mdadm.conf: the image's settings (HOMEHOST, MAILADDR, ...)
// without its ARRAY lines, then the arrays of this install as `mdadm --detail --scan` prints them. Pure.

export function buildMdadmConf(imageConf: string | undefined, scan: string): string {
  const kept: string[] = [];
  let inArray = false;
  for (const line of (imageConf ?? "").split("\n")) {
    // an ARRAY line continues on the following lines that start with white space
    if (/^ARRAY\b/.test(line)) inArray = true;
    else if (!/^\s+\S/.test(line)) inArray = false;
    if (!inArray) kept.push(line);
  }
  while (kept.length > 0 && kept.at(-1)?.trim() === "") kept.pop();
  const arrays = scan
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("ARRAY"));
  const head = kept.length > 0 ? [...kept, ""] : [];
  return `${[...head, "# arrays of this install (mdadm --detail --scan)", ...arrays].join("\n")}\n`;
}

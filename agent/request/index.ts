// The request model: parseRequest() turns a reinstall or legacy install/start payload into
// an InstallRequest, or lists every problem it has (zod's per-field ones, then cross-field rules).

import type { z } from "zod";
import { CONFIG_DRIVE_FILES_BYTES, configDriveBytes } from "../config-drive/capacity.ts";
import { CONFIG_DRIVE_MIB } from "../plan/allocate.ts";
import { checkHeaders, headerLabel } from "./checks-headers.ts";
import { checkImage } from "./checks-image.ts";
import { checkStorage } from "./checks-storage.ts";
import { fromLegacy, isLegacy, legacyPath } from "./legacy.ts";
import { describe, expected, formatPath, formatProblem, type Problem } from "./messages.ts";
import { nestedDeeper, tooDeepText } from "./nesting.ts";
import { normalise } from "./normalise.ts";
import { isRecord, pruneAbsent, type Raw, rec, str } from "./raw.ts";
import { reinstallSchema } from "./schema.ts";
import { viewStorage } from "./storage-view.ts";

export { CHECKSUM_HEX_LENGTH } from "./checks-image.ts";
export { RAID_MIN_DISKS } from "./checks-layout.ts";
export { defaultLayout } from "./normalise.ts";
export { readRequestInput } from "./read.ts";
export type * from "./types.ts";
export { decodeUserData } from "./user-data.ts";

import type { InstallRequest } from "./types.ts";

export type ParseResult = { ok: true; request: InstallRequest } | { ok: false; problems: string[] };

const BLANK_IS_ABSENT = new Set(["customizations"]);

// zod's problems; a header name in a path is shown only when it is a valid name (it may be a credential).
function fromZod(issues: z.core.$ZodIssue[], headers: unknown): Problem[] {
  const names = isRecord(headers) ? Object.keys(headers) : [];
  return issues.map((issue) => {
    const path = issue.path.map((key, i) => {
      if (i === 0 || issue.path[i - 1] !== "httpHeaders" || typeof key !== "string") return key;
      return headerLabel(key, names.indexOf(key));
    });
    return { path: formatPath(path), text: issue.message };
  });
}

// Validates and normalises one request; problems are one line each, secrets never shown.
export function parseRequest(input: unknown): ParseResult {
  if (nestedDeeper(input)) return { ok: false, problems: [`request: ${tooDeepText()}`] };
  if (!isRecord(input)) return { ok: false, problems: [`request: ${expected("a JSON object", describe(input))}`] };
  const legacy = isLegacy(input);
  const converted = legacy ? fromLegacy(input) : { payload: input, problems: [] };
  const payload = pruneAbsent(converted.payload, BLANK_IS_ABSENT) as Raw;
  const parsed = reinstallSchema.safeParse(payload);
  const os = str(payload, "operatingSystem");
  const headers = rec(payload, "customizations")?.["httpHeaders"];
  const problems: Problem[] = [
    ...converted.problems,
    ...(parsed.success ? [] : fromZod(parsed.error.issues, headers)),
    ...checkImage(os, rec(payload, "customizations")),
    ...checkHeaders(headers),
    ...checkStorage(os, viewStorage(payload["storage"])),
  ];
  if (problems.length > 0 || !parsed.success) {
    const rename = legacy ? legacyPath : undefined;
    return { ok: false, problems: problems.map((p) => formatProblem(p, rename)) };
  }
  const request = normalise(parsed.data);
  const fit = checkConfigDriveFits(request);
  if (fit === undefined) return { ok: true, request };
  return { ok: false, problems: [formatProblem(fit, legacy ? legacyPath : undefined)] };
}

// User data, metadata and the SSH key go onto the 64 MiB config drive: more than it holds would
// fail only after the disks were partitioned.
function checkConfigDriveFits(request: InstallRequest): Problem | undefined {
  const bytes = configDriveBytes(request);
  if (bytes <= CONFIG_DRIVE_FILES_BYTES) return undefined;
  const drive = `the ${CONFIG_DRIVE_MIB} MiB config drive (${CONFIG_DRIVE_FILES_BYTES} bytes at most together)`;
  const what = `configDriveUserData, configDriveMetadata and sshKey that fit ${drive}`;
  return { path: "customizations", text: expected(what, `${bytes} bytes`) };
}

// The legacy POST /dedicated/server/{serviceName}/install/start form (seed 000):
// templateName, details.customHostname, partitionSchemeName and userMetadata [{key, value}].
// It is rewritten into the reinstall form, so one schema and one set of rules judge both.

import { describe, expected, type Problem, unknownKeys } from "./messages.ts";
import { isRecord, type Raw } from "./raw.ts";
import { userMetadataToCustomizations } from "./user-metadata.ts";

const LEGACY_KEYS = ["templateName", "details", "partitionSchemeName", "userMetadata"];
const DETAILS_KEYS = ["customHostname", "diskGroupId", "softRaidDevices"];

// The legacy form is recognised by its own keys, and only when `operatingSystem` is absent.
export function isLegacy(input: Raw): boolean {
  return input["operatingSystem"] === undefined && LEGACY_KEYS.some((k) => input[k] !== undefined);
}

// Problems are printed with the legacy names of the fields the caller actually sent.
export function legacyPath(path: string): string {
  if (path === "operatingSystem") return "templateName";
  if (path === "customizations.hostname") return "details.customHostname";
  if (path === "storage[0].diskGroupId") return "details.diskGroupId";
  if (path.startsWith("storage[0].partitioning")) return "details.softRaidDevices";
  return path.replace(/^customizations/, "userMetadata");
}

// `details`: the hostname, and the disk group and RAID disk count of the old API.
function fromDetails(details: unknown, payload: Raw, problems: Problem[]): void {
  if (details === undefined) return;
  if (!isRecord(details)) {
    problems.push({ path: "details", text: expected("an object", describe(details)) });
    return;
  }
  const unknown = Object.keys(details).filter((k) => !DETAILS_KEYS.includes(k));
  if (unknown.length > 0) problems.push({ path: "details", text: unknownKeys(unknown, DETAILS_KEYS) });
  if (details["customHostname"] !== undefined)
    (payload["customizations"] as Raw)["hostname"] = details["customHostname"];
  const { diskGroupId, softRaidDevices } = details;
  if (diskGroupId === undefined && softRaidDevices === undefined) return;
  const group: Raw = {};
  if (diskGroupId !== undefined) group["diskGroupId"] = diskGroupId;
  if (softRaidDevices !== undefined) group["partitioning"] = { disks: softRaidDevices };
  payload["storage"] = [group];
}

// Named partition schemes live in the OVH account; only "default" can be honoured here.
function checkScheme(name: unknown): Problem[] {
  if (name === undefined || name === "default") return [];
  const what = '"default" (named partition schemes are stored at OVH; send a reinstall payload with storage instead)';
  return [{ path: "partitionSchemeName", text: expected(what, describe(name)) }];
}

// The reinstall payload equivalent to a legacy request, and the problems of the legacy form itself.
export function fromLegacy(input: Raw): { payload: Raw; problems: Problem[] } {
  const problems: Problem[] = [];
  const unknown = Object.keys(input).filter((k) => !LEGACY_KEYS.includes(k));
  if (unknown.length > 0) problems.push({ path: "request", text: unknownKeys(unknown, LEGACY_KEYS) });
  problems.push(...checkScheme(input["partitionSchemeName"]));
  const customizations = userMetadataToCustomizations(input["userMetadata"], problems);
  const payload: Raw = { operatingSystem: input["templateName"], customizations };
  fromDetails(input["details"], payload, problems);
  return { payload, problems };
}

// The zod schemas of single fields. Each one fails with "expected X, received Y";
// schema.ts prefixes the field's path. Cross-field rules live in checks-*.ts.

import { z } from "zod";
import { hasControls } from "../view/escape.ts";
import { describe, describeSecret, describeUrl, expected } from "./messages.ts";

// The zod `error` option for a field: one message whatever check failed.
export function fails(what: string, show: (value: unknown) => string = describe) {
  return { error: (issue: { input?: unknown }) => expected(what, show(issue.input)) };
}

// http(s) only: the downloader speaks nothing else, and a typo like "htps" must not pass.
function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

// RFC 1123 host name: labels of 1-63 letters, digits and inner hyphens; 253 characters at most.
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
export function isHostname(value: string): boolean {
  return value.length <= 253 && value.split(".").every((label) => LABEL.test(label));
}

// An absolute, normalised path: no empty, "." or ".." segment, no trailing slash.
function isMountPath(value: string): boolean {
  if (value === "/") return true;
  const segments = value.split("/");
  return segments[0] === "" && segments.slice(1).every((s) => s !== "" && s !== "." && s !== "..");
}

// A file name's limit (NAME_MAX) and a path's (PATH_MAX, with /tmp/a in front during the install).
const SEGMENT_MAX_BYTES = 255;
const PATH_MAX_BYTES = 4000;

// Why a well-formed path cannot be a mount point, or undefined. Spaces and backslashes can: fstab
// writes them as \040 and \134. Control characters (tab and newline included), which mount(8),
// fstab and the terminal each read their own way, and a half surrogate pair (no file name) cannot.
function mountPathProblem(value: string): string | undefined {
  if (hasControls(value)) return "a mount point without control characters";
  if (!value.isWellFormed()) return "a mount point of valid Unicode text";
  const long = value.split("/").find((s) => Buffer.byteLength(s) > SEGMENT_MAX_BYTES);
  if (long !== undefined) {
    return `path segments of at most ${SEGMENT_MAX_BYTES} bytes (one has ${Buffer.byteLength(long)})`;
  }
  if (Buffer.byteLength(value) > PATH_MAX_BYTES) return `a mount point of at most ${PATH_MAX_BYTES} bytes`;
  return undefined;
}

const URL_WANTED = "an http:// or https:// URL";
export const imageUrl = z.string(fails(URL_WANTED, describeUrl)).refine(isHttpUrl, fails(URL_WANTED, describeUrl));

const HOSTNAME_WANTED =
  "a host name (RFC 1123: letters, digits and hyphens, labels of 1-63 characters separated by dots, 253 characters at most)";
export const hostname = z.string(fails(HOSTNAME_WANTED)).refine(isHostname, fails(HOSTNAME_WANTED));

const countLines = (value: unknown) =>
  typeof value === "string" ? `${value.trim().split(/\r\n|\r|\n/).length} lines` : describe(value);
export const sshKey = z
  .string(fails("one line (one public key)"))
  .refine((key) => !/[\r\n]/.test(key.trim()), fails("one line (one public key)", countLines));

export const operatingSystem = z.enum(["byolinux_64", "byoi_64"], fails("byolinux_64 or byoi_64"));

export const userData = z.string(fails("a string (base64 or plain text)", describeSecret));

// imageType and imageCheckSumType: strings here; their values get OVH's messages in checks-image.ts.
export const text = (what: string) => z.string(fails(what));

export const metadata = z.record(
  z.string(),
  z.string(fails("a string", describeSecret)),
  fails("an object of string values"),
);

export const mountPoint = z
  .string(fails('an absolute path such as /var, or "swap"'))
  .refine((m) => m === "swap" || isMountPath(m), fails('an absolute path such as /var, or "swap"'))
  .superRefine((m, ctx) => {
    const problem = mountPathProblem(m);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: expected(problem, describe(m)), input: m });
  });

export const fileSystem = z.enum(["ext4", "xfs", "btrfs", "swap", "zfs"], fails("ext4, xfs, btrfs, swap or zfs"));

export const sizeMiB = z
  .number(fails("a whole number of MiB (0 = fill the remaining space)"))
  .int(fails("a whole number of MiB (0 = fill the remaining space)"))
  .min(0, fails("a whole number of MiB (0 = fill the remaining space)"));

export const raidLevel = z.union(
  [z.literal(0), z.literal(1), z.literal(5), z.literal(6), z.literal(7), z.literal(10)],
  fails("0, 1, 5, 6, 7 (ZFS only) or 10"),
);

const ZP_WANTED =
  "a ZFS pool name (a letter, then letters, digits and _ . : -, 1-64 characters; not mirror, raidz…, draid…, spare, log, c0…)";
// zpool(8)'s reserved words: vdev type keywords, and names that look like Solaris disks (c0t0d0).
const ZP_RESERVED = /^(mirror|raidz\d?|draid\d?|spare|log|cache|special|dedup)|^c\d/;

export const zpName = z
  .string(fails(ZP_WANTED))
  .regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/, fails(ZP_WANTED))
  .refine((name) => !ZP_RESERVED.test(name), fails(ZP_WANTED));

const LV_WANTED = "an LVM name (letters, digits and _ . + -, not starting with - or ., 1-64 characters)";
// LVM's own reserved names (lvm(8) VALID NAMES, lvm2's name checks): its internal sub-volumes
// carry these strings, and pvmove/snapshot prefixes name its temporary volumes.
export const LV_RESERVED_PREFIXES = ["pvmove", "snapshot"] as const;
export const LV_RESERVED_STRINGS = [
  "_cdata",
  "_cmeta",
  "_corig",
  "_cpool",
  "_cvol",
  "_imeta",
  "_iorig",
  "_mimage",
  "_mlog",
  "_pmspare",
  "_rimage",
  "_rmeta",
  "_tdata",
  "_tmeta",
  "_vdata",
  "_vorigin",
  "_wcorig",
] as const;

// device-mapper names a volume "vg-lv" with each "-" of the LV doubled, in at most 127 bytes;
// the planner's VG names ("vg", "vg1", ...) take up to 5 of them with the separator.
const DM_NAME_ROOM = 120;

// What LVM reserves in `name`, or undefined when the name is free.
export function lvReserved(name: string): string | undefined {
  if (name.length + (name.match(/-/g)?.length ?? 0) > DM_NAME_ROOM) {
    return `names longer than ${DM_NAME_ROOM} characters once each "-" is doubled (device-mapper's limit)`;
  }
  const prefix = LV_RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix !== undefined) return `names starting with "${prefix}"`;
  const inner = LV_RESERVED_STRINGS.find((r) => name.includes(r));
  return inner === undefined ? undefined : `names containing "${inner}"`;
}

export const lvName = z
  .string(fails(LV_WANTED))
  .regex(/^[A-Za-z0-9_+][A-Za-z0-9_.+-]{0,63}$/, fails(LV_WANTED))
  .superRefine((name, ctx) => {
    const reserved = lvReserved(name);
    if (reserved === undefined) return;
    const what = `a logical volume name LVM does not reserve (it reserves ${reserved} for its own volumes)`;
    ctx.addIssue({ code: "custom", message: expected(what, describe(name)), input: name });
  });

export const positiveInt = (what: string) => z.number(fails(what)).int(fails(what)).min(1, fails(what));

// Header names and values are judged in checks-headers.ts, so a wrong type elsewhere does not hide them.
export const httpHeaders = z.record(
  z.string(),
  z.string(fails("a string", describeSecret)),
  fails("an object of header names to values"),
);

// Flag parsing shared by the commands: node:util parseArgs, strict, with usage errors.

import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { BOOT_ORDERS, type BootOrderPolicy, DEFAULT_BOOT_ORDER } from "../efi/boot-order.ts";
import { UsageError } from "../errors.ts";

export function parseFlags<const O extends ParseArgsOptionsConfig>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

// A flag that must be present.
export function required(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== "string" || value === "") throw new UsageError(`missing ${flag}`);
  return value;
}

// --log-level: pino's levels for the run's byol.log (default debug: it is for post-mortems).
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export const LOG_LEVEL_FLAG = { type: "string", default: "debug" } as const;

export function logLevel(value: string | undefined): (typeof LOG_LEVELS)[number] {
  const level = LOG_LEVELS.find((l) => l === (value ?? "debug"));
  if (level === undefined)
    throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(", ")}, got '${value}'`);
  return level;
}

// --image-staging: where a byoi_64 image is held before it is written. "stream" (default): a raw
// image goes straight from HTTP to the disk; "ram": downloaded into RAM first, as OVH does.
// qcow2 always goes to RAM.
export const IMAGE_STAGING_FLAG = { type: "string", default: "stream" } as const;

export function imageStaging(value: string | undefined): "stream" | "ram" {
  if (value === undefined || value === "stream" || value === "ram") return value ?? "stream";
  throw new UsageError(`--image-staging: expected stream or ram, got '${value}'`);
}

// --boot-order: the UEFI BootOrder after the install; network-first (OVH's) unless asked otherwise.
export const BOOT_ORDER_FLAG = { type: "string", default: DEFAULT_BOOT_ORDER } as const;

export function bootOrder(value: string | undefined): BootOrderPolicy {
  const found = BOOT_ORDERS.find((o) => o === (value ?? DEFAULT_BOOT_ORDER));
  if (found === undefined)
    throw new UsageError(`--boot-order: expected one of ${BOOT_ORDERS.join(", ")}, got '${value}'`);
  return found;
}

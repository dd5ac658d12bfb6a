// The [user@]host[:port] of `byol remote`; an IPv6 address goes in brackets when a port follows
// ([2001:db8::1]:2222). The user defaults to root (ssh's config may still override the host).

import { UsageError } from "../errors.ts";

export interface Target {
  user: string | undefined; // undefined: ssh's own default (config, then the local user)
  host: string;
  port: number | undefined;
}

export function parseTarget(text: string): Target {
  const at = text.lastIndexOf("@");
  const user = at >= 0 ? text.slice(0, at) : undefined;
  const rest = at >= 0 ? text.slice(at + 1) : text;
  let host = rest;
  let port: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracket !== null) {
    host = bracket[1] ?? "";
    port = bracket[2];
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    [host, port] = rest.split(":") as [string, string];
  }
  if (user === "" || host === "" || /\s/.test(text) || host.startsWith("-") || user?.startsWith("-")) {
    throw new UsageError(`expected [user@]host[:port], got '${text}'`);
  }
  return { user, host, port: port === undefined ? undefined : parsePort(port, text) };
}

export function parsePort(text: string, what = text): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new UsageError(`bad port in '${what}': expected 1-65535`);
  return n;
}

// What ssh is given as its destination.
export function destination(target: Target): string {
  return target.user === undefined ? target.host : `${target.user}@${target.host}`;
}

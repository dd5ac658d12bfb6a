// JSON.parse takes any depth, but every recursive walk after it (zod, the request's own
// copies, JSON.stringify) overflows the stack on thousands of levels. A request or an
// inventory is a few levels deep: anything deeper than MAX_JSON_DEPTH is refused first.

export const MAX_JSON_DEPTH = 64;

// True when `value` has arrays or objects nested more than `max` levels; walked without recursion.
export function nestedDeeper(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (typeof item !== "object" || item === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

// The one wording, after the name of what was read ("request", "inventory.json").
export function tooDeepText(): string {
  return `expected JSON nested at most ${MAX_JSON_DEPTH} levels deep, received deeper nesting`;
}

// byol's commands by name: one dispatch from subcommand to the function named after it.
// Each command returns its exit code; errors map to exit codes in exit.ts.

import { EXIT } from "../errors.ts";
import { versionLine } from "../version.ts";
import { escapeControls } from "../view/escape.ts";
import { exitCodeFor } from "./exit.ts";
import { hasHelp, helpText, printHelp } from "./help.ts";

type Command = (args: string[]) => Promise<number>;

// Loaded on demand: `byol validate` need not load the install machinery.
const commands: Record<string, () => Promise<Command>> = {
  validate: async () => (await import("./validate.ts")).validateCommand,
  inventory: async () => (await import("./inventory.ts")).inventoryCommand,
  plan: async () => (await import("./plan.ts")).planCommand,
  install: async () => (await import("./install.ts")).installCommand,
  fetch: async () => (await import("./fetch.ts")).fetchCommand,
  preflight: async () => (await import("./preflight.ts")).preflightCommand,
  cleanup: async () => (await import("./cleanup.ts")).cleanupCommand,
  status: async () => (await import("./status.ts")).statusCommand,
  report: async () => (await import("./report.ts")).reportCommand,
  replay: async () => (await import("./replay.ts")).replayCommand,
  remote: async () => (await import("./remote.ts")).remoteCommand,
};

// Runs one command line (without "byol") and returns its exit code; it never throws.
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) return usage("no command given");
  if (name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    if (topic !== undefined && !hasHelp(topic)) return usage(`unknown help topic '${escapeControls(topic)}'`);
    printHelp(topic);
    return 0;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  const load = commands[name];
  if (load === undefined) return usage(`unknown command '${escapeControls(name)}'`);
  if (rest.includes("--help") || rest.includes("-h")) {
    printHelp(name);
    return 0;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    return exitCodeFor(error, name, rest.includes("--json"));
  }
}

// What was asked cannot be understood: the problem, then the overview, on stderr; exit 2.
function usage(problem: string): number {
  process.stderr.write(`byol: ${problem}\n\n${helpText()}`);
  return EXIT.invalid;
}

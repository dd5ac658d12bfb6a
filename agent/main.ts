// byol: one dispatch from subcommand to the function named after it.
// Each command returns its exit code; errors map to exit codes in exit.ts.

import { exitCodeFor } from "./commands/exit.ts";
import { helpText, printHelp } from "./commands/help.ts";

type Command = (args: string[]) => Promise<number>;

// Loaded on demand: `byol validate` need not load the install machinery.
const commands: Record<string, () => Promise<Command>> = {
  validate: async () => (await import("./commands/validate.ts")).validateCommand,
  inventory: async () => (await import("./commands/inventory.ts")).inventoryCommand,
  plan: async () => (await import("./commands/plan.ts")).planCommand,
  install: async () => (await import("./commands/install.ts")).installCommand,
  cleanup: async () => (await import("./commands/cleanup.ts")).cleanupCommand,
  status: async () => (await import("./commands/status.ts")).statusCommand,
  report: async () => (await import("./commands/report.ts")).reportCommand,
  replay: async () => (await import("./commands/replay.ts")).replayCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    printHelp(topic);
    return 0;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write(`byol ${process.env.BYOL_VERSION ?? "0.1.0"} (node ${process.version})\n`);
    return 0;
  }
  const load = commands[name];
  if (load === undefined) {
    process.stderr.write(`byol: unknown command '${name}'\n\n${helpText()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    printHelp(name);
    return 0;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    return exitCodeFor(error, name);
  }
}

process.exitCode = await main(process.argv.slice(2));

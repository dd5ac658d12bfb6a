// byol: one dispatch from subcommand to the function named after it.
// Each command returns its exit code; errors map to exit codes in exit.ts.

import { cleanupCommand } from "./commands/cleanup.ts";
import { exitCodeFor } from "./commands/exit.ts";
import { helpText, printHelp } from "./commands/help.ts";
import { installCommand } from "./commands/install.ts";
import { inventoryCommand } from "./commands/inventory.ts";
import { planCommand } from "./commands/plan.ts";
import { statusCommand } from "./commands/status.ts";
import { validateCommand } from "./commands/validate.ts";

const commands: Record<string, (args: string[]) => Promise<number>> = {
  validate: validateCommand,
  inventory: inventoryCommand,
  plan: planCommand,
  install: installCommand,
  cleanup: cleanupCommand,
  status: statusCommand,
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
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`byol: unknown command '${name}'\n\n${helpText()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    printHelp(name);
    return 0;
  }
  try {
    return await command(rest);
  } catch (error) {
    return exitCodeFor(error, name);
  }
}

process.exitCode = await main(process.argv.slice(2));

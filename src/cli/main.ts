#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ExitCode, UsageError, type Command, type Io } from "./command.js";
import { commands } from "./commands/index.js";
import { nodeIo } from "./node-io.js";
import { VERSION } from "../version.js";

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "usage: vplat [--help] [--version] <command> [<args>]",
    "",
    "A deterministic virtual platform: Linux driver ports on register-level device models in virtual time.",
    "",
    "commands:",
    ...lines,
    "",
    "Run 'vplat <command> --help' for a command's options.",
    "",
  ].join("\n");
}

/** Runs the `vplat` command line and returns the exit code; never throws. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    io.stdout.write(overview());
    return first === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (first === "--version" || first === "-V") {
    io.stdout.write(`vplat ${VERSION}\n`);
    return ExitCode.ok;
  }
  const command = commands.find((c) => c.name === first);
  if (command === undefined) {
    io.stderr.write(`vplat: '${first}' is not a command. See 'vplat --help'.\n`);
    return ExitCode.usage;
  }
  return runCommand(command, rest, io);
}

async function runCommand(command: Command, args: readonly string[], io: Io): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout.write(command.usage.endsWith("\n") ? command.usage : `${command.usage}\n`);
    return ExitCode.ok;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`vplat ${command.name}: ${err.message}\nSee 'vplat ${command.name} --help'.\n`);
      return ExitCode.usage;
    }
    // An exception here is a bug in vplat, not in the user's input: say so, with the stack.
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.stderr.write(`vplat ${command.name}: internal error (please report): ${detail}\n`);
    return ExitCode.failure;
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
}

if (invokedDirectly()) {
  process.exitCode = await main(process.argv.slice(2), nodeIo());
}

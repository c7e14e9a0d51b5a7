/**
 * `vplat schema`: the JSON Schema (draft 2020-12) of scenario files, for editors that complete
 * and check YAML against a schema (e.g. VS Code's YAML extension: `# yaml-language-server:
 * $schema=scenario.schema.json`). It is derived from the same description as the validator
 * `vplat run` uses (src/tools/scenario/schema.ts), so the two cannot disagree.
 */
import { scenarioJsonSchema } from "../../tools/scenario/index.js";
import { parseCommandLine } from "../args.js";
import { ExitCode, UsageError, type Command } from "../command.js";

export const schema: Command = {
  name: "schema",
  summary: "print the JSON Schema of scenario files (for editors)",
  usage: `usage: vplat schema [-o FILE]

Prints the JSON Schema (draft 2020-12) of 'vplat run' scenario files: every field with its
description, default, allowed values and ranges; unknown fields are rejected. With -o, writes
it to FILE instead. Reference: docs/scenarios.md.`,
  async run(args, io) {
    const { values, positionals } = parseCommandLine(args, { output: { type: "string", short: "o" } });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const text = `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
    if (values.output === undefined) {
      io.stdout.write(text);
      return ExitCode.ok;
    }
    const partial = `${values.output}.partial`;
    try {
      const file = io.createFile(partial);
      file.write(text);
      file.close();
      io.renameFile(partial, values.output);
    } catch (err) {
      io.removeFile(partial);
      io.stderr.write(`vplat schema: cannot write '${values.output}': ${err instanceof Error ? err.message : String(err)}\n`);
      return ExitCode.usage;
    }
    return ExitCode.ok;
  },
};

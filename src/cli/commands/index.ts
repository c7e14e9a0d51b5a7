import type { Command } from "../command.js";
import { demo } from "./demo.js";
import { cmdq } from "./cmdq.js";
import { qtest } from "./qtest.js";
import { run } from "./run.js";
import { schema } from "./schema.js";

/** Every subcommand, in the order `vplat --help` lists them. A new module adds one line here. */
export const commands: readonly Command[] = [demo, run, schema, cmdq, qtest];

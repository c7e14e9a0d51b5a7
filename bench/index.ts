import { cmdqBench } from "./cmdq.js";
import { cmdqDisasm } from "./cmdq-disasm.js";
import { eventQueue } from "./eventq.js";
import { gce } from "./gce.js";
import type { Benchmark } from "./harness.js";
import { hpetBench } from "./hpet.js";
import { blocking } from "./task.js";

/** Every benchmark `npm run bench` runs, in report order. A new benchmark adds one line here. */
export const benchmarks: readonly Benchmark[] = [eventQueue, blocking, hpetBench, cmdqDisasm, gce, cmdqBench];

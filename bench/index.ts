import { eventQueue } from "./eventq.js";
import type { Benchmark } from "./harness.js";
import { x86Board } from "./x86.js";
import { blocking } from "./task.js";
import { cmdqDisasm } from "./cmdq-disasm.js";
import { gce } from "./gce.js";
import { hpetBench } from "./hpet.js";
import { cmdqBench } from "./cmdq.js";
import { traceMemory } from "./trace-memory.js";

/** Every benchmark `npm run bench` runs, in report order. A new benchmark adds one line here. */
export const benchmarks: readonly Benchmark[] = [eventQueue, blocking, x86Board, cmdqDisasm, gce, hpetBench, cmdqBench, traceMemory];

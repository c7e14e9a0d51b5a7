/**
 * The child process of the trace-memory benchmark (run by trace-memory.ts, so that the peak RSS
 * it reports is this run's alone): the x86-pc board of the speed benchmark, every event streamed
 * as Perfetto JSON to the file given (default /dev/null), for the simulated seconds given.
 * Prints one JSON line: peak RSS, wall time, events and bytes written.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { X86Pc } from "../src/platform/boards/x86-pc.js";
import { PerfettoSink } from "../src/sim/sinks/perfetto.js";

const simSeconds = Number(process.argv[2] ?? 3600);
const path = process.argv[3] ?? "/dev/null";
if (!(simSeconds > 0)) throw new Error(`trace-memory-child: simulated seconds must be positive, got ${process.argv[2]}`);

const fd = openSync(path, "w");
let bytes = 0;
const sink = new PerfettoSink({
  write: (s) => void (bytes += writeSync(fd, s)),
  writeBytes: (b) => void (bytes += writeSync(fd, b)),
});
const pc = new X86Pc({ cpus: 2, HZ: 1000, tickMode: "oneshot" });
pc.machine.tracer.attach(sink);
const start = process.hrtime.bigint();
pc.boot();
// One simulated second at a time, so the run never asks the clock for more than it needs.
for (let s = 0; s < simSeconds; s++) pc.runFor(1e9);
pc.machine.tracer.close();
closeSync(fd);
const wallS = Number(process.hrtime.bigint() - start) / 1e9;
if (pc.report().hpet?.selftest !== "passed") throw new Error("trace-memory-child: the HPET driver did not come up");
console.log(JSON.stringify({ maxRssMB: process.resourceUsage().maxRSS / 1024, wallS, simSeconds, events: pc.machine.tracer.count, bytes }));

/**
 * Memory of a streamed trace: one simulated hour of the x86-pc board (2 CPUs, HZ=1000, per-CPU
 * HPET one-shot) with every event streamed as Perfetto JSON, in a child process of its own so
 * that its peak resident set is measured alone. Target: under 200 MB. The trace goes to
 * /dev/null (tens of gigabytes would otherwise fill the disk); the sink formats and writes every
 * byte all the same.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sample, type Benchmark } from "./harness.js";

const SIM_SECONDS = 3600;

interface ChildReport {
  readonly maxRssMB: number;
  readonly wallS: number;
  readonly simSeconds: number;
  readonly events: number;
  readonly bytes: number;
}

function runChild(): ChildReport {
  const child = fileURLToPath(new URL("./trace-memory-child.js", import.meta.url));
  const out = execFileSync(process.execPath, [child, String(SIM_SECONDS)], { encoding: "utf8", maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split("\n").at(-1)!) as ChildReport;
}

export const traceMemory: Benchmark = {
  name: "trace memory",
  run: () => {
    const r = runChild();
    const gb = (r.bytes / 1e9).toFixed(1);
    process.stderr.write(`  1 h simulated in ${r.wallS.toFixed(0)} s of wall time (${(r.simSeconds / r.wallS).toFixed(1)}x real time), ${r.events} events, ${gb} GB of JSON\n`);
    return [
      {
        name: "1 h simulated x86-pc, trace streamed to a file: peak RSS",
        unit: " MB",
        value: sample([r.maxRssMB]),
        target: { max: 200 },
      },
    ];
  },
};

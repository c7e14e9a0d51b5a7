/**
 * `npm run bench:instructions`: machine instructions the x86-pc board costs, counted by
 * valgrind's cachegrind. The count barely moves with the host's load, where wall-clock speed
 * on a shared 2-core machine moves by ±30–50 % from minute to minute: use it to judge a change
 * to the simulation, and `npm run bench` for the targets, which are in real time.
 *
 * Two figures, for the board with 2 CPUs, HZ=1000, one-shot:
 * - per tick in the steady state: the difference between runs of SHORT_S and LONG_S simulated
 *   seconds, so that start-up, boot and compilation cancel out;
 * - a fresh process running COLD_S simulated second: start-up, boot and V8's compilation,
 *   which is what a short `vplat run` mostly pays.
 *
 * V8 optimizes on a background thread, which valgrind would starve; the runs compile on the
 * main thread instead, so compilation is counted where it happens. `-- --node-flags="…"` adds
 * a column with those node/V8 flags (e.g. an inlining budget) for comparison.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { X86Pc } from "../src/platform/boards/x86-pc.js";

const SHORT_S = 20;
const LONG_S = 40;
const COLD_S = 1;
const TICKS_PER_S = 2 * 1000;
const SYNC_COMPILE = ["--no-concurrent-recompilation", "--no-concurrent-sparkplug"];

/** Instructions valgrind counted for one child run of `seconds` simulated seconds. */
function instructions(flags: readonly string[], seconds: number): number {
  const self = fileURLToPath(import.meta.url);
  const args = ["--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", process.execPath, ...SYNC_COMPILE, ...flags, self, "--child", String(seconds)];
  const out = spawnSync("valgrind", args, { encoding: "utf8" });
  if (out.error !== undefined) throw out.error;
  const m = /I\s+refs:\s+([\d,]+)/.exec(out.stderr);
  if (out.status !== 0 || m === null) throw new Error(`valgrind run failed (exit ${out.status}):\n${out.stderr.slice(-2000)}`);
  return Number(m[1]!.replaceAll(",", ""));
}

interface Figures {
  readonly perTick: number;
  readonly cold: number;
}

function measure(flags: readonly string[]): Figures {
  const extra = instructions(flags, LONG_S) - instructions(flags, SHORT_S);
  return { perTick: Math.round(extra / ((LONG_S - SHORT_S) * TICKS_PER_S)), cold: instructions(flags, COLD_S) };
}

function report(flags: readonly string[]): void {
  const base = measure([]);
  const rows = [
    ["", "node defaults"],
    ["instructions per tick, steady state", String(base.perTick)],
    [`instructions, fresh process, ${COLD_S} simulated s`, `${(base.cold / 1e9).toFixed(2)} G`],
  ];
  if (flags.length > 0) {
    const alt = measure(flags);
    const change = (a: number, b: number) => `${b >= a ? "+" : ""}${(((b - a) / a) * 100).toFixed(1)} %`;
    rows[0]!.push(flags.join(" "));
    rows[1]!.push(`${alt.perTick} (${change(base.perTick, alt.perTick)})`);
    rows[2]!.push(`${(alt.cold / 1e9).toFixed(2)} G (${change(base.cold, alt.cold)})`);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log("x86-pc, 2 CPUs, HZ=1000, per-CPU HPET one-shot, trace off (cachegrind)");
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("   ").trimEnd());
}

const child = process.argv.indexOf("--child");
if (child >= 0) {
  const pc = new X86Pc({ cpus: 2, HZ: 1000, tickMode: "oneshot" });
  pc.boot();
  pc.runFor(Number(process.argv[child + 1]) * 1e9);
} else if (spawnSync("valgrind", ["--version"]).error !== undefined) {
  console.error("bench:instructions needs valgrind (Debian package 'valgrind'), which is not installed");
  process.exitCode = 1;
} else {
  const given = process.argv.find((a) => a.startsWith("--node-flags="));
  const flags = given === undefined ? [] : given.slice("--node-flags=".length).split(/\s+/).filter((f) => f !== "");
  // Refuse flags node rejects now, not after the minutes the default column takes.
  const probe = spawnSync(process.execPath, [...flags, "-e", "0"], { encoding: "utf8" });
  if (probe.status !== 0) {
    console.error(`bench:instructions: node refuses --node-flags: ${probe.stderr.trim().split("\n")[0] ?? ""}`);
    process.exitCode = 2;
  } else {
    try {
      report(flags);
    } catch (err) {
      console.error(`bench:instructions: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  }
}

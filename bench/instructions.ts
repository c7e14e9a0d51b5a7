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
 *
 * `-- --by-function` counts with callgrind instead (under `--node-flags` when given) and prints
 * the steady-state instructions per tick of each function (bench/callgrind.ts): where a tick's
 * instructions go. `-- --relay`
 * attaches the writing end of a streamed trace (a RelaySink whose reader discards), so that
 * either figure covers the simulation's side of `vplat run --trace`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { X86Pc } from "../src/platform/boards/x86-pc.js";
import { instructionsByFunction } from "./callgrind.js";
import { discardingRelay } from "./discarding-relay.js";

const SHORT_S = 20;
const LONG_S = 40;
const COLD_S = 1;
const TICKS_PER_S = 2 * 1000;
const SYNC_COMPILE = ["--no-concurrent-recompilation", "--no-concurrent-sparkplug"];

/** Whether the children attach a relay (`--relay`). */
const relay = process.argv.includes("--relay");

/** The first line of a report: the configuration counted, and by which tool. */
function heading(tool: string): string {
  return `x86-pc, 2 CPUs, HZ=1000, per-CPU HPET one-shot, ${relay ? "relay attached" : "trace off"} (${tool})`;
}

/** Runs valgrind on a child of `seconds` simulated seconds; returns its pid and total instruction count. */
function valgrind(tool: readonly string[], flags: readonly string[], seconds: number, cwd?: string): { pid: number; total: number } {
  const self = fileURLToPath(import.meta.url);
  const child = [self, "--child", String(seconds), ...(relay ? ["--relay"] : [])];
  const out = spawnSync("valgrind", [...tool, process.execPath, ...SYNC_COMPILE, ...flags, ...child], { encoding: "utf8", cwd });
  if (out.error !== undefined) throw out.error;
  const m = /I\s+refs:\s+([\d,]+)/.exec(out.stderr);
  if (out.status !== 0 || m === null) throw new Error(`valgrind run failed (exit ${out.status}):\n${out.stderr.slice(-2000)}`);
  return { pid: out.pid, total: Number(m[1]!.replaceAll(",", "")) };
}

/** Instructions cachegrind counted for one child run of `seconds` simulated seconds. */
function instructions(flags: readonly string[], seconds: number): number {
  return valgrind(["--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"], flags, seconds).total;
}

/** Instructions by function for one child run, from callgrind and V8's code map. */
function byFunction(dir: string, seconds: number, flags: readonly string[]): Map<string, number> {
  const profile = join(dir, `callgrind.${seconds}`);
  // In `dir`: V8 also writes an isolate-*.log file into its working directory with this flag.
  const { pid } = valgrind(["--tool=callgrind", "--dump-instr=yes", `--callgrind-out-file=${profile}`], ["--perf-basic-prof", ...flags], seconds, dir);
  const codeMap = `/tmp/perf-${pid}.map`;
  try {
    return instructionsByFunction(profile, codeMap);
  } finally {
    rmSync(codeMap, { force: true });
  }
}

/** The `top` functions by steady-state instructions per tick, under the given node flags. */
function reportByFunction(top: number, flags: readonly string[]): void {
  const dir = mkdtempSync(join(tmpdir(), "vplat-callgrind-"));
  try {
    const short = byFunction(dir, SHORT_S, flags);
    const long = byFunction(dir, LONG_S, flags);
    const ticks = (LONG_S - SHORT_S) * TICKS_PER_S;
    const rows = [...new Set([...short.keys(), ...long.keys()])].map((name) => ({ name, perTick: ((long.get(name) ?? 0) - (short.get(name) ?? 0)) / ticks }));
    const total = rows.reduce((sum, r) => sum + r.perTick, 0);
    console.log(`${heading("callgrind")}${flags.length > 0 ? `, ${flags.join(" ")}` : ""}: ${Math.round(total)} instructions per tick`);
    for (const r of rows.sort((a, b) => b.perTick - a.perTick).slice(0, top)) {
      const name = r.name.replace(/file:\/\/\S*\/dist-bench\//, "");
      console.log(`${Math.round(r.perTick).toString().padStart(7)} ${((r.perTick / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  console.log(heading("cachegrind"));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("   ").trimEnd());
}

const child = process.argv.indexOf("--child");
if (child >= 0) {
  const pc = new X86Pc({ cpus: 2, HZ: 1000, tickMode: "oneshot" });
  if (relay) pc.machine.tracer.attach(discardingRelay());
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
    const option = process.argv.find((a) => a === "--by-function" || a.startsWith("--by-function="));
    const top = option === undefined ? 0 : option.includes("=") ? Number(option.slice(option.indexOf("=") + 1)) : 40;
    try {
      if (!Number.isSafeInteger(top) || (option !== undefined && top < 1)) {
        console.error(`bench:instructions: --by-function=N needs a positive whole number of functions, got '${option ?? ""}'`);
        process.exitCode = 2;
      } else if (top > 0) reportByFunction(top, flags);
      else report(flags);
    } catch (err) {
      console.error(`bench:instructions: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  }
}

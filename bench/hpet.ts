/**
 * HPET speed.
 *
 * 1. The 10 s / 1 kHz periodic script of ../shared/tools/qemu-hpet/scenarios_bench
 *    (periodic_1khz_10s.json: timer 0, 32-bit periodic, 100 000 ticks, edge, route 2; then
 *    `clock_step` deadline by deadline for 10 s of virtual time) through QEMU 7.2 and through
 *    `vplat qtest --profile qemu-7.2`, both child processes driven by the same client
 *    (bench/qtest_client.py: OS pipes and a reader thread, as the tool's harness), in the same
 *    run. Figure: IRQ edges per wall second of a run (process start-up and the register setup
 *    excluded, as in the tool's bench.py); both must see the same edges over the same virtual time.
 *    - pipelined, after warm-up runs (target: vplat >= 10x QEMU): three untimed runs then
 *      nine timed ones in the same session, each written at once (bench.py's `pipeline` mode)
 *      after halting and zeroing the counter and replaying the setup; median of the nine. A
 *      vplat run takes ~4 ms, where one host hiccup moved a run by 4x when only five were timed;
 *    - pipelined, first run: the same on three fresh processes (vplat's JIT still cold);
 *    - lock-step: one command, one reply, as hpet_oracle.py's `run` op (pipe round trips).
 *    The QEMU rows are skipped with a note when python3, qemu-system-x86_64 or its qtest module
 *    is missing (QEMU_HPET_DIR, QEMU_MODULE_DIR and QEMU as for `npm run test:qemu`).
 * 2. HPET interrupts per second in-process, no protocol: a periodic edge timer pulsing an
 *    I/O APIC input, against the clock alone running one self-re-arming timer.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Hpet } from "../src/hw/timer/hpet.js";
import { Bus } from "../src/sim/bus.js";
import { Clock } from "../src/sim/clock.js";
import type { IrqSink } from "../src/sim/irq.js";
import { Tracer } from "../src/sim/trace.js";
import { rate, sample, type BenchRow, type Benchmark } from "./harness.js";

/** The repository root (the compiled bench runs from dist-bench/bench/). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TOOL_DIR = resolve(process.env["QEMU_HPET_DIR"] ?? join(ROOT, "../shared/tools/qemu-hpet"));
const MODULE_DIR = process.env["QEMU_MODULE_DIR"] ?? join(TOOL_DIR, "build/modules");
const QEMU = process.env["QEMU"] ?? "qemu-system-x86_64";
const VPLAT_MAIN = join(ROOT, "dist-bench/src/cli/main.js");
const HPET_BASE = 0xfed0_0000;

interface ScenarioOp {
  readonly op: string;
  readonly off?: string | number;
  readonly val?: string | number;
  readonly max_ns?: number;
}

/** The benchmark script as qtest commands: the setup writes, how much virtual time to run, the period. */
function script(): { setup: string[]; runNs: number; periodTicks: number } {
  const path = join(TOOL_DIR, "scenarios_bench/periodic_1khz_10s.json");
  const ops: readonly ScenarioOp[] = existsSync(path)
    ? (JSON.parse(readFileSync(path, "utf8")) as { ops: ScenarioOp[] }).ops
    : [
        { op: "write32", off: "0x100", val: "0x54c" },
        { op: "write32", off: "0x108", val: 100000 },
        { op: "write32", off: "0x108", val: 100000 },
        { op: "write32", off: "0x010", val: 1 },
        { op: "run", max_ns: 10_000_000_000 },
      ];
  const setup = ["irq_intercept_in ioapic"];
  let runNs = 0;
  let periodTicks = 0;
  for (const o of ops) {
    if (o.op === "write32") setup.push(`writel 0x${(HPET_BASE + Number(o.off)).toString(16)} ${o.val}`);
    if (o.op === "write32" && Number(o.off) === 0x108) periodTicks = Number(o.val);
    if (o.op === "run") runNs = o.max_ns ?? 0;
  }
  return { setup, runNs, periodTicks };
}

const CLIENT = join(ROOT, "bench/qtest_client.py");
/** Timed runs after the client's warm-up ones (qtest_client.py WARMUPS). */
const WARM_RUNS = 9;
/** Fresh processes for the first-run row. */
const COLD_SESSIONS = 3;

type Mode = "warm" | "cold" | "lockstep";

interface ScriptRun {
  readonly wall_s: number;
  readonly edges: number;
  readonly virtual_ns: number;
}

/**
 * One session of the script through `command`, driven by bench/qtest_client.py (OS pipes and a
 * reader thread, as the tool's own harness; the same client for QEMU and vplat). Returns each
 * timed run.
 */
function session(mode: Mode, command: readonly string[], setupFile: string): ScriptRun[] {
  const { runNs, periodTicks } = script();
  const steps = (2 * runNs) / (periodTicks * 10); // QEMU 7.2: two deadlines per period
  const env = { ...process.env, QEMU_MODULE_DIR: MODULE_DIR };
  const out = execFileSync("python3", [CLIENT, mode, String(WARM_RUNS), String(runNs), String(steps), setupFile, "--", ...command], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    maxBuffer: 1 << 20,
  });
  return out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as ScriptRun);
}

const QEMU_COMMAND = [QEMU, "-machine", "pc,pit=off", "-accel", "qtest", "-qtest", "stdio", "-qtest-log", "/dev/null", "-display", "none", "-nodefaults"];
const VPLAT_COMMAND = [process.execPath, VPLAT_MAIN, "qtest", "--profile", "qemu-7.2", "--machine", "pc"];

function missingTools(): string | undefined {
  if (spawnSync("python3", ["--version"]).status !== 0) return "python3 not found";
  if (spawnSync(QEMU, ["--version"]).status !== 0) return `${QEMU} not found`;
  if (!existsSync(join(MODULE_DIR, "accel-qtest-x86_64.so"))) return `no qtest module in ${MODULE_DIR} (setup_qtest_module.sh)`;
  return undefined;
}

function runs(mode: Mode, command: readonly string[], setupFile: string): ScriptRun[] {
  if (mode !== "cold") return session(mode, command, setupFile);
  return Array.from({ length: COLD_SESSIONS }, () => session(mode, command, setupFile)[0]!);
}

function qtestRows(): BenchRow[] {
  const missing = missingTools();
  const dir = mkdtempSync(join(tmpdir(), "vplat-bench-"));
  const setupFile = join(dir, "setup.qtest");
  writeFileSync(setupFile, script().setup.join("\n") + "\n");
  const rows: BenchRow[] = [];
  try {
    for (const mode of ["warm", "cold", "lockstep"] as const) {
      const label = { warm: "pipelined, after warm-up runs", cold: "pipelined, first run", lockstep: "lock-step" }[mode];
      const name = `qtest 10 s / 1 kHz periodic, ${label}`;
      const target = mode === "warm" ? { target: { minRatio: 10 } } : {};
      if (missing !== undefined && missing.startsWith("python3")) {
        rows.push({ name, unit: " edges/s", value: sample([0]), note: `skipped: ${missing}`, ...target });
        continue;
      }
      const vplat = runs(mode, VPLAT_COMMAND, setupFile);
      const rate = (r: readonly ScriptRun[]) => sample(r.map((x) => x.edges / x.wall_s));
      if (missing !== undefined) {
        rows.push({ name, unit: " edges/s", value: rate(vplat), note: `QEMU skipped: ${missing}`, ...target });
        continue;
      }
      const qemu = runs(mode, QEMU_COMMAND, setupFile);
      // Same script, same semantics: both must see the same edges over the same virtual time.
      const key = (r: readonly ScriptRun[]) => r.map((x) => `${x.edges}@${x.virtual_ns}`).join(",");
      if (key(qemu) !== key(vplat)) throw new Error(`qtest bench: QEMU ${key(qemu)} but vplat ${key(vplat)}`);
      rows.push({ name, unit: " edges/s", value: rate(vplat), baseline: { name: "QEMU 7.2 qtest", value: rate(qemu) }, ...target });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** A periodic edge timer pulsing input 2 of a counting sink: interrupts per wall second. */
function inProcessRow(profile: "spec" | "qemu-7.2"): BenchRow {
  const EVENTS = 2_000_000;
  const clock = new Clock();
  const tracer = new Tracer(clock);
  const hpet = new Hpet(clock, new Bus(tracer), tracer, { profile });
  let interrupts = 0;
  const ioapic: IrqSink = { setIrq: (_pin, level) => void (level && interrupts++) };
  hpet.connect(ioapic);
  const route = profile === "spec" ? 20 : 2;
  // Timer 0: ENB | PERIODIC | VAL_SET | 32MODE, edge, period 1000 ticks; counter on.
  hpet.write(0x100, 4, 0x4c | 0x100 | (route << 9));
  hpet.write(0x108, 4, 1000);
  hpet.write(0x010, 4, 1);
  const hpetRate = rate(EVENTS, () => {
    const before = interrupts;
    clock.runUntilIdle(EVENTS);
    if (interrupts - before !== EVENTS) throw new Error(`expected one interrupt per event, got ${interrupts - before}`);
  });
  const bare = new Clock();
  const t = bare.newTimer("t", () => t.mod(bare.now + 1000));
  t.mod(1000);
  const clockRate = rate(EVENTS, () => void bare.runUntilIdle(EVENTS));
  return {
    name: `HPET interrupts in-process (${profile}, periodic edge timer)`,
    unit: " irq/s",
    value: hpetRate,
    baseline: { name: "clock alone, one self-re-arming timer", value: clockRate },
  };
}

export const hpetBench: Benchmark = {
  name: "hpet",
  run(): BenchRow[] {
    return [...qtestRows(), inProcessRow("spec"), inProcessRow("qemu-7.2")];
  },
};

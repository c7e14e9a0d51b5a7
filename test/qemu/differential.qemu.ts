/**
 * The QEMU differential suite (`npm run test:qemu`): every scenario of
 * ../shared/tools/qemu-hpet/scenarios plus VPLAT_QEMU_PROGRAMS (default 1000) seeded random
 * register programs go through QEMU 7.2.22 and through `vplat qtest --profile qemu-7.2`, both
 * driven by the tool's own harness (hpet_oracle.py, via oracle_batch.py; vplat stands in for
 * QEMU through test/qemu/vplat-as-qemu). The JSON-lines traces (reads, IRQ edges, times) must
 * be identical, apart from the `meta.qemu` version string.
 *
 * Needs: `npm run build` (the script does it), qemu-system-x86_64 and the tool's qtest module
 * (../shared/tools/qemu-hpet/README.md, "Setup and use"). Environment:
 *   QEMU_HPET_DIR        the tool directory (default ../shared/tools/qemu-hpet)
 *   QEMU_MODULE_DIR      where accel-qtest-x86_64.so is (default $QEMU_HPET_DIR/build/modules)
 *   QEMU                 the QEMU binary (default qemu-system-x86_64)
 *   VPLAT_QEMU_SEED      seed of the random programs (default 20240521)
 *   VPLAT_QEMU_PROGRAMS  how many (default 1000)
 *   VPLAT_QEMU_JOBS      parallel harness processes per side (default: the CPU count, at least 2)
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomProgram } from "./programs.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TOOL_DIR = resolve(process.env["QEMU_HPET_DIR"] ?? join(ROOT, "../shared/tools/qemu-hpet"));
const MODULE_DIR = process.env["QEMU_MODULE_DIR"] ?? join(TOOL_DIR, "build/modules");
const QEMU = process.env["QEMU"] ?? "qemu-system-x86_64";
const WRAPPER = join(ROOT, "test/qemu/vplat-as-qemu");
const BATCH = join(ROOT, "test/qemu/oracle_batch.py");
const SEED = Number(process.env["VPLAT_QEMU_SEED"] ?? 20240521);
const PROGRAMS = Number(process.env["VPLAT_QEMU_PROGRAMS"] ?? 1000);
const JOBS = Number(process.env["VPLAT_QEMU_JOBS"] ?? Math.max(2, availableParallelism()));

/** Scenarios whose traces differ on purpose, and why. */
const KNOWN_DIVERGENCES: Readonly<Record<string, { reason: string; ghostOffset: number }>> = {
  h_ghost_timer: {
    reason: "QEMU 7.2's timer range check is off by one (a live, unresettable timer at index NUM_TIM_CAP+1); vplat does not copy it",
    ghostOffset: 0x160,
  },
};

interface Record_ {
  readonly [key: string]: unknown;
}

let work = "";
const scenarioNames: string[] = [];
const programNames: string[] = [];
let failed = false;

function prerequisites(): string[] {
  const missing: string[] = [];
  if (!existsSync(join(ROOT, "dist/cli/main.js"))) missing.push("dist/cli/main.js (run `npm run build`)");
  if (!existsSync(join(TOOL_DIR, "hpet_oracle.py"))) missing.push(`${TOOL_DIR}/hpet_oracle.py (set QEMU_HPET_DIR)`);
  if (spawnSync(QEMU, ["--version"]).status !== 0) missing.push(`${QEMU} (apt-get install qemu-system-x86)`);
  if (!existsSync(join(MODULE_DIR, "accel-qtest-x86_64.so"))) missing.push(`${MODULE_DIR}/accel-qtest-x86_64.so (run the tool's setup_qtest_module.sh)`);
  return missing;
}

function runBatch(qemu: string, outDir: string, files: readonly string[]): Promise<void> {
  return new Promise((done, fail) => {
    const env = { ...process.env, QEMU_MODULE_DIR: MODULE_DIR };
    const child = spawn("python3", [BATCH, "--tool-dir", TOOL_DIR, "--qemu", qemu, "--out-dir", outDir, ...files], { env, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stdout.resume();
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? done() : fail(new Error(`oracle_batch.py (${qemu}) exited ${code}: ${err}`))));
  });
}

/** Splits `files` into `n` interleaved shards. */
function shards(files: readonly string[], n: number): string[][] {
  const out: string[][] = Array.from({ length: n }, () => []);
  files.forEach((f, i) => out[i % n]!.push(f));
  return out.filter((s) => s.length > 0);
}

function records(path: string): Record_[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const r = JSON.parse(l) as Record_;
      const meta = r["meta"] as Record_ | undefined;
      if (meta === undefined) return r;
      const { qemu: _version, ...rest } = meta;
      return { meta: rest };
    });
}

function traces(name: string): { qemu: Record_[]; vplat: Record_[] } {
  return { qemu: records(join(work, "qemu", `${name}.jsonl`)), vplat: records(join(work, "vplat", `${name}.jsonl`)) };
}

/** The first differing record, or undefined when identical. */
function firstDifference(a: readonly Record_[], b: readonly Record_[]): string | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] === undefined ? "(end of trace)" : JSON.stringify(a[i]);
    const y = b[i] === undefined ? "(end of trace)" : JSON.stringify(b[i]);
    if (x !== y) return `line ${i + 1}:\n  qemu:  ${x}\n  vplat: ${y}`;
  }
  return undefined;
}

beforeAll(async () => {
  const missing = prerequisites();
  if (missing.length > 0) throw new Error(`the QEMU differential suite needs:\n  ${missing.join("\n  ")}`);
  work = mkdtempSync(join(tmpdir(), "vplat-qemu-"));
  for (const d of ["scenarios", "qemu", "vplat"]) mkdirSync(join(work, d));
  const files: string[] = [];
  for (const f of readdirSync(join(TOOL_DIR, "scenarios")).filter((f) => f.endsWith(".json")).sort()) {
    const name = basename(f, ".json");
    scenarioNames.push(name);
    files.push(join(TOOL_DIR, "scenarios", f));
  }
  for (let i = 0; i < PROGRAMS; i++) {
    const name = `random_${SEED}_${String(i).padStart(4, "0")}`;
    const file = join(work, "scenarios", `${name}.json`);
    writeFileSync(file, JSON.stringify(randomProgram(SEED, i)));
    programNames.push(name);
    files.push(file);
  }
  const parts = shards(files, JOBS);
  await Promise.all([...parts.map((p) => runBatch(QEMU, join(work, "qemu"), p)), ...parts.map((p) => runBatch(WRAPPER, join(work, "vplat"), p))]);
});

afterAll(() => {
  if (work === "") return;
  if (failed) console.log(`traces and programs kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

describe("QEMU 7.2.22 vs vplat qtest --profile qemu-7.2", () => {
  it("runs every scenario of the tool", () => {
    expect(scenarioNames.length).toBeGreaterThanOrEqual(14);
  });

  it("gives identical traces for every scenario of ../shared/tools/qemu-hpet/scenarios (but the documented divergence)", () => {
    const problems: string[] = [];
    for (const name of scenarioNames) {
      const { qemu, vplat } = traces(name);
      const known = KNOWN_DIVERGENCES[name];
      const diff = firstDifference(qemu, vplat);
      if (known === undefined) {
        if (diff !== undefined) problems.push(`${name}: ${diff}`);
        continue;
      }
      // A documented divergence: identical up to the first write to the ghost slot, and vplat
      // raises nothing from it.
      const ghostOp = qemu.findIndex((r) => typeof r["op"] === "string" && String(r["op"]).startsWith("write") && Number(r["off"]) === known.ghostOffset);
      const firstGhost = qemu[ghostOp]?.["i"];
      const before = (rs: Record_[]) => rs.filter((r) => typeof r["i"] === "number" && typeof firstGhost === "number" && r["i"] < firstGhost);
      if (diff === undefined) problems.push(`${name}: expected the documented divergence (${known.reason}) but the traces are identical`);
      if (firstDifference(before(qemu), before(vplat)) !== undefined) problems.push(`${name}: differs before the ghost timer is used`);
      if (vplat.some((r) => r["ev"] === "irq")) problems.push(`${name}: vplat raised an interrupt from the ghost timer slot`);
    }
    if (problems.length > 0) failed = true;
    expect(problems).toEqual([]);
  });

  it(`gives identical traces for ${PROGRAMS} random register programs (seed ${SEED})`, () => {
    expect(programNames.length).toBeGreaterThanOrEqual(Math.min(PROGRAMS, 1000));
    const problems: string[] = [];
    let ops = 0;
    let edges = 0;
    for (const name of programNames) {
      const { qemu, vplat } = traces(name);
      ops += qemu.filter((r) => typeof r["i"] === "number").length;
      edges += qemu.filter((r) => r["ev"] === "irq").length;
      if (qemu.some((r) => "harness_error" in r)) problems.push(`${name}: QEMU run failed: ${JSON.stringify(qemu.find((r) => "harness_error" in r))}`);
      const diff = firstDifference(qemu, vplat);
      if (diff !== undefined) problems.push(`${name}: ${diff}`);
    }
    console.log(`${programNames.length} programs, ${ops} ops, ${edges} IRQ edges compared`);
    if (problems.length > 0) {
      failed = true;
      console.log(`${problems.length} program(s) differ; scenarios in ${join(work, "scenarios")}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });
});

import { readFileSync } from "node:fs";
import { LineCounter, parseDocument, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { ScenarioError, SCENARIO, loadScenario, scenarioJsonSchema, type Scenario } from "../../../src/tools/scenario/index.js";
import type { AnyNode, ObjectNode } from "../../../src/tools/scenario/schema-dsl.js";
import { check } from "./json-schema-check.js";

const noFiles = (path: string): never => {
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
};

async function load(text: string, files: Record<string, string> = {}, path = "scenario.yaml"): Promise<Scenario> {
  return loadScenario(text, { path, readFile: (p) => files[p] ?? noFiles(p) });
}

/** The diagnostics a bad scenario gives (fails the test if it loads). */
async function problems(text: string, files: Record<string, string> = {}, path = "scenario.yaml"): Promise<string[]> {
  try {
    await load(text, files, path);
  } catch (err) {
    if (err instanceof ScenarioError) return err.diagnostics.map((d) => d.message);
    throw err;
  }
  throw new Error(`loaded without a problem:\n${text}`);
}

describe("scenario defaults", () => {
  it("runs x86-pc for one second when the file is empty, with the board's documented defaults", async () => {
    for (const text of ["", "# nothing but a comment\n", "{}\n"]) {
      const s = await load(text);
      expect(s.board).toEqual({ source: "builtin", kind: "x86-pc" });
      expect(s.durationNs).toBe(1_000_000_000);
      expect(s.seed).toBe(1);
      // docs/timekeeping.md: HZ 1000, periodic ticks and the fixed driver unless told otherwise.
      expect(s.kernel).toEqual({ HZ: 1000, tickMode: "periodic", driverProfile: "fixed", switches: {} });
      expect(s.trace).toBeNull();
      expect(s.program).toBeNull();
      expect(s.doc.faults).toEqual([]);
    }
  });

  it("fills board parameters: 2 CPUs, 3 HPET timers at the ICH period, q35's route capability", async () => {
    const b = (await load("board: x86-pc\n")).doc.board;
    expect(b).toMatchObject({ variant: "x86-pc", cpus: 2, arat: false, tscHz: 2_000_000_000, irqEntry: 500 });
    if (b.variant !== "x86-pc") throw new Error("x86");
    // 69 841 279 fs is the ICH's 14.31818 MHz; QEMU q35's INTCAP is 0x00ff0104.
    expect(b.hpet).toEqual({ present: true, profile: "spec", timers: 3, routeCap: 0x00ff_0104 });
  });

  it("gives mt8173 HZ 250, one crtc, 1080p60 and 16 MiB, and reads the shorthand and the mapping alike", async () => {
    const a = await load("board: mt8173\n");
    const b = await load("board:\n  name: mt8173\n");
    expect(a.doc).toEqual(b.doc);
    expect(a.kernel.HZ).toBe(250);
    expect(a.doc.board).toMatchObject({ variant: "mt8173", crtcs: 1, dramMiB: 16, panel: { refreshHz: 60, activeLines: 1080, vblankLines: 45 } });
    expect(a.doc.workload.display).toEqual({ planes: 4, writesPerFrame: 200, frames: "unlimited" });
  });

  it("converts durations and frequencies with their units", async () => {
    const s = await load('duration: 1.5s\nboard: {name: x86-pc, tscHz: "14.318MHz", irqEntry: 2us}\n');
    expect(s.durationNs).toBe(1_500_000_000);
    expect(s.doc.board).toMatchObject({ tscHz: 14_318_000, irqEntry: 2000 });
    expect((await load("duration: 2min\n")).durationNs).toBe(120e9);
    expect((await load("duration: 250 us\n")).durationNs).toBe(250_000);
  });
});

describe("scenario validation messages", () => {
  it("names file, line, column, path, what was expected and what was found", async () => {
    const text = "board:\n  name: x86-pc\n  hpet:\n    timers: 40\n";
    expect(await problems(text)).toEqual(["scenario.yaml:4:13: board.hpet.timers: expected an integer 3..32, found 40"]);
  });

  it("reports every problem of the file at once, in file order", async () => {
    const text = "kernel:\n  HZ: 300\nduration: 10\nseed: -1\n";
    expect(await problems(text)).toEqual([
      "scenario.yaml:2:7: kernel.HZ: expected one of 100, 250, 1000, found 300",
      'scenario.yaml:3:11: duration: expected a duration with a unit (ns, us, ms, s, min, h) of at least 1ns, found 10; write the unit, e.g. "10ms"',
      "scenario.yaml:4:7: seed: expected an integer ≥ 0, found -1",
    ]);
  });

  it("refuses unknown fields at the key, listing the fields and suggesting a close one", async () => {
    expect(await problems("board:\n  name: x86-pc\n  hpett: {}\n")).toEqual([
      "scenario.yaml:3:3: board.hpett: expected a field of x86-pc (cpus, hpet, nohpet, forceHpetAddress, arat, tscHz, apicMainTimer, irqEntry), found unknown field 'hpett'; did you mean 'hpet'?",
    ]);
    expect(await problems("kernel:\n  hz: 100\n")).toEqual([
      "scenario.yaml:2:3: kernel.hz: expected a field of the kernel (HZ, tickMode, driverProfile, switches), found unknown field 'hz'; did you mean 'HZ'?",
    ]);
    expect((await problems("frobnicate: 1\n"))[0]).toMatch(/^scenario\.yaml:1:1: frobnicate: expected a field of a scenario \(board, kernel, workload, faults, duration, seed, outputs\), found unknown field 'frobnicate'$/);
  });

  it("suggests the fault type and the switch a typo meant", async () => {
    const [fault] = await problems("faults:\n  - type: halt-hpt\n    at: 1s\n");
    expect(fault).toMatch(/^scenario\.yaml:2:11: faults\[0\]\.type: expected one of "smi", .*, found "halt-hpt"; did you mean 'halt-hpet'\?$/);
    const [sw] = await problems("kernel:\n  switches:\n    hpet.truncated-mul: true\n");
    expect(sw).toBe(
      "scenario.yaml:3:5: kernel.switches.hpet.truncated-mul: expected a switch name (docs/timekeeping.md, docs/cmdq.md), found 'hpet.truncated-mul'; did you mean 'hpet.truncated-mult'?",
    );
  });

  it("says which required field of a fault is missing, at the fault", async () => {
    expect(await problems("faults:\n  - type: suspend\n    at: 1ms\n")).toEqual([
      "scenario.yaml:2:5: faults[0].duration: expected a duration with a unit (ns, us, ms, s, min, h) of at least 1ns (the field is required), found nothing",
    ]);
    expect(await problems("faults:\n  - at: 1ms\n")).toEqual([
      'scenario.yaml:2:5: faults[0].type: expected the field \'type\' (smi, access-delay, posted-write, drop-irq, duplicate-irq, halt-hpet, suspend, stop-display, mask-event), found a mapping',
    ]);
  });

  it("reports malformed YAML, duplicate keys and several documents with their position", async () => {
    expect(await problems("a: [1\n")).toEqual(["scenario.yaml:2:1: expected well-formed YAML, found Flow sequence in block collection must be sufficiently indented and end with a ]"]);
    expect(await problems("seed: 1\nseed: 2\n")).toEqual(["scenario.yaml:2:1: expected well-formed YAML, found Map keys must be unique"]);
    expect((await problems("seed: 1\n---\nseed: 2\n"))[0]).toMatch(/^scenario\.yaml:2:1: expected well-formed YAML, found Source contains multiple documents/);
    expect(await problems("- 1\n")).toEqual(["scenario.yaml:1:1: scenario: expected a mapping (a scenario), found a list"]);
  });

  it("takes anchors and aliases as the values they name", async () => {
    const s = await load("duration: &d 250ms\nfaults:\n  - {type: smi, at: *d, duration: 1ms}\n");
    expect(s.doc.faults[0]).toMatchObject({ variant: "smi", at: 250_000_000 });
  });
});

describe("checks that span fields", () => {
  it("knows which board each part belongs to", async () => {
    const text = [
      "board: x86-pc",
      "kernel:",
      "  driverProfile: seed",
      "workload:",
      "  cmdq: {program: eoc}",
      "faults:",
      "  - {type: mask-event, event: MUTEX0_STREAM_EOF, at: 1ms}",
      "",
    ].join("\n");
    expect(await problems(text)).toEqual([
      'scenario.yaml:3:18: kernel.driverProfile: expected one of "fixed", "seed-2007" on x86-pc, found "seed"',
      "scenario.yaml:5:9: workload.cmdq: expected no 'cmdq' on board x86-pc (workload.cmdq is for mt8173 and mediatek-gce), found one",
      'scenario.yaml:7:12: faults[0].type: expected a fault of board x86-pc (\'mask-event\' needs board mt8173), found "mask-event"',
    ]);
    const mt = ["board: mt8173", "kernel:", "  tickMode: oneshot", "  switches: {hpet.truncated-mult: true}", "workload:", "  idle: [{cpu: 0, period: 10ms, idle: 1ms}]", "  cmdq: {packets: 3}", "faults:", "  - {type: halt-hpet, at: 1ms}", "  - {type: smi, cpu: 1, at: 1ms, duration: 1ms}", "  - {type: stop-display, path: 1, at: 1ms}", ""].join("\n");
    expect(await problems(mt)).toEqual([
      'scenario.yaml:3:13: kernel.tickMode: expected no tickMode on mt8173 (its tick is the GPT\'s, periodic), found "oneshot"',
      expect.stringMatching(/^scenario\.yaml:4:14: kernel\.switches\.hpet\.truncated-mult: expected a switch of the mt8173 kernel \(cmdq\.seed-threads, .*cmdq\.no-thread-timeout\), found 'hpet\.truncated-mult'$/),
      "scenario.yaml:6:9: workload.idle: expected no 'idle' on board mt8173 (workload.idle is for x86-pc), found one",
      "scenario.yaml:7:19: workload.cmdq.packets: expected no 'packets' on board mt8173 (the program runs once per frame; workload.display.frames limits the frames), found 3",
      'scenario.yaml:9:12: faults[0].type: expected a fault of board mt8173 (\'halt-hpet\' needs board x86-pc), found "halt-hpet"',
      "scenario.yaml:10:22: faults[1].cpu: expected a CPU 0..0, found 1",
      "scenario.yaml:11:32: faults[2].path: expected a display path 0..0, found 1",
    ]);
  });

  it("checks idle patterns against the CPUs and their own period", async () => {
    const text = "board: {name: x86-pc, cpus: 2}\nworkload:\n  idle:\n    - {cpu: 2, period: 10ms, idle: 10ms}\n    - {cpu: 1, period: 10ms, idle: 4ms, jitter: 4ms}\n";
    expect(await problems(text)).toEqual([
      "scenario.yaml:4:13: workload.idle[0].cpu: expected a CPU 0..1, found 2",
      "scenario.yaml:4:36: workload.idle[0].idle: expected less than the period (10ms), found 10ms",
      "scenario.yaml:5:49: workload.idle[1].jitter: expected less than both idle (4ms) and the busy time (6ms), found 4ms",
    ]);
  });

  it("needs a whole number of nanoseconds per HPET tick under QEMU's profile, and an HPET to halt", async () => {
    expect(await problems("board: {name: x86-pc, hpet: {profile: qemu-7.2, periodFs: 69841279}}\n")).toEqual([
      "scenario.yaml:1:59: board.hpet.periodFs: expected a whole number of nanoseconds (a multiple of 1000000 fs) with profile qemu-7.2, e.g. 10000000, found 69841279",
    ]);
    expect(await problems("board: {name: x86-pc, hpet: {present: false}}\nfaults: [{type: halt-hpet, at: 1ms}]\n")).toEqual([
      'scenario.yaml:2:17: faults[0].type: expected a fault for a board that has an HPET (board.hpet.present is false), found "halt-hpet"',
    ]);
  });

  it("needs a trace format it can tell", async () => {
    expect(await problems("outputs: {trace: run.txt}\n")).toEqual([
      'scenario.yaml:1:18: outputs.trace: expected a file name ending in .json, .pftrace, .jsonl or .vcd, or an outputs.format (perfetto, perfetto-proto, jsonl, vcd), found "run.txt"',
    ]);
    expect((await load("outputs: {trace: run.txt, format: jsonl}\n")).trace).toEqual({ path: "run.txt", format: "jsonl" });
    expect((await load("outputs: {trace: t.perfetto.json}\n", {}, "dir/s.yaml")).trace).toEqual({ path: "dir/t.perfetto.json", format: "perfetto" });
    expect((await load("outputs: {trace: t.pftrace}\n")).trace).toEqual({ path: "t.pftrace", format: "perfetto-proto" });
    expect((await load("outputs: {trace: T.Perfetto-Trace}\n")).trace).toEqual({ path: "T.Perfetto-Trace", format: "perfetto-proto" });
  });
});

describe("files a scenario names", () => {
  const mt = (cmdq: string) => `board: mt8173\nworkload:\n  cmdq:\n${cmdq}`;

  it("assembles an inline program and points into the YAML block at a bad line", async () => {
    const ok = await load(mt("    program: |\n      write DISP_OVL0 + 0x040, 0x1\n      eoc\n      jump +8\n"));
    // write DISP_OVL0 + 0x040 (subsys 1, 0x1400c000): 0x0401c040_00000001 (docs/cmdq-asm.md); then EOC and JUMP +8.
    expect([...(ok.program?.words ?? [])]).toEqual([0x1, 0x0401_c040, 0x1, 0x4000_0000, 0x8, 0x1000_0000]);
    expect(ok.program?.origin).toBe("inline");
    const [bad] = await problems(mt("    program: |\n      write DISP_OVL0 + 0x040, 0x1\n\n        bogus 1\n"));
    expect(bad).toMatch(/^scenario\.yaml:7:9: workload\.cmdq\.program: expected a mnemonic .*, found 'bogus'$/);
  });

  it("reads a program file beside the scenario and reports its errors in the file's own coordinates", async () => {
    const s = await load(mt("    file: frame.S\n"), { "dir/frame.S": "eoc\njump +8\n" }, "dir/s.yaml");
    expect(s.program?.origin).toBe("dir/frame.S");
    const [bad] = await problems(mt("    file: frame.S\n"), { "dir/frame.S": "eoc\n  wfe NOPE\n" }, "dir/s.yaml");
    expect(bad).toMatch(/^dir\/frame\.S:2:7: workload\.cmdq\.file: expected .*event.*, found 'NOPE'/);
    expect(await problems(mt("    file: missing.S\n"), {}, "dir/s.yaml")).toEqual(["dir/s.yaml:4:11: workload.cmdq.file: expected a readable file, found 'dir/missing.S' (no such file)"]);
    expect(await problems(mt("    file: a.S\n    program: eoc\n"), { "a.S": "eoc\n" })).toEqual(["scenario.yaml:4:11: workload.cmdq.file: expected either 'program' or 'file', found both"]);
  });

  it("refuses a program the helper could not append: nothing after an interrupting EOC and one more instruction", async () => {
    expect(await problems(mt("    program: |\n      eoc\n      jump +8\n      eoc\n"))).toEqual([
      "scenario.yaml:7:7: workload.cmdq.program: expected the end of the program two instructions after an interrupting 'eoc', found another instruction; the CMDQ helper treats the packet as finalized there",
    ]);
    expect(await problems(mt("    program: '; only a comment'\n"))).toEqual(["scenario.yaml:4:14: workload.cmdq.program: expected GCE assembly with at least one instruction, found none"]);
  });

  it("builds the board a device tree names, reading its /include/s beside it", async () => {
    const x86 = readFileSync(new URL("../../../boards/x86-pc.dts", import.meta.url), "utf8");
    const s = await load("board: {dts: trees/pc.dts}\n", { "s/trees/pc.dts": '/dts-v1/;\n/include/ "base.dtsi"\n', "s/trees/base.dtsi": x86.replace("/dts-v1/;", "") }, "s/x.yaml");
    expect(s.board).toMatchObject({ source: "devicetree", kind: "x86-pc", path: "s/trees/pc.dts", field: "board.dts" });
    // The x86-pc defaults follow the tree's board.
    expect(s.kernel.HZ).toBe(1000);
    const mt = await loadScenario("duration: 1ms\n", { path: "x.yaml", readFile: () => readFileSync(new URL("../../../boards/mt8173.dts", import.meta.url)), overrides: { deviceTree: { form: "dts", path: "any.dts" } } });
    expect(mt.board).toMatchObject({ source: "devicetree", kind: "mt8173", field: "--dts" });
    expect(mt.kernel.HZ).toBe(250);
  });

  it("reports a tree that cannot be read, parsed or used, in the tree's own coordinates when it has them", async () => {
    expect(await problems("board: {dts: a.dts}\n", { "a.dts": '/dts-v1/;\n/include/ "gone.dtsi"\n' })).toEqual([
      'a.dts:2:1: board.dts: expected a valid DTS, found cannot read /include/ "gone.dtsi" (gone.dtsi): no such file',
    ]);
    expect(await problems("board: {dts: a.dts}\n", { "a.dts": '/dts-v1/;\n/ { compatible = "acme,toaster"; };\n' })).toEqual([
      expect.stringMatching(/^scenario\.yaml:1:14: board\.dts: expected a tree that describes a board vplat builds, found a\.dts: no vplat board for this tree: the root compatible is "acme,toaster"; vplat runs .*vplat,x86-pc/),
    ]);
    expect(await problems("workload: {idle: [{cpu: 0, period: 10ms, idle: 1ms}]}\nboard: {dts: a.dts}\n", { "a.dts": readFileSync(new URL("../../../boards/mt8173.dts", import.meta.url), "utf8") })).toEqual([
      "scenario.yaml:1:18: workload.idle: expected no 'idle' on board mt8173 (workload.idle is for x86-pc), found one",
    ]);
  });

  it("refuses a tree that lacks what its board needs before anything runs, and the boards vplat run does not run", async () => {
    expect(await problems("board: {dts: a.dts}\n", { "a.dts": '/dts-v1/;\n/ { compatible = "vplat,x86-pc"; };\n' })).toEqual([
      "scenario.yaml:1:14: board.dts: expected a tree that describes a board vplat builds, found x86-pc: a.dts lists 0 CPUs under /cpus; the board runs 1..8",
    ]);
  });

  it("reads a device tree named by the board, and reports a missing one", async () => {
    expect(await problems("board: {dts: boards/pc.dts}\n", {}, "s/x.yaml")).toEqual(["s/x.yaml:1:14: board.dts: expected a readable file, found 's/boards/pc.dts' (no such file)"]);
    expect(await problems("board: {name: mt8173, dtb: a.dtb}\n")).toEqual(["scenario.yaml:1:9: board.name: expected either 'name' or 'dtb', found both"]);
  });
});

// --- every field, generated from the schema ------------------------------------------------

/** A valid value for a node (for the required fields around the one under test). */
function sample(node: AnyNode): unknown {
  switch (node.kind) {
    case "integer":
      return node.min;
    case "boolean":
      return true;
    case "enum":
      return node.values[0];
    case "duration":
      return "1ms";
    case "frequency":
      return node.min;
    case "string":
      return "x";
    case "union":
      return sample(node.options[0]!);
    default:
      return null;
  }
}

/** A value every node of this kind refuses. */
function bad(node: AnyNode): unknown {
  switch (node.kind) {
    case "integer":
      return node.min - 1;
    case "boolean":
      return "maybe";
    case "enum":
      return "zzz";
    case "duration":
      return "5 parsecs";
    case "frequency":
      return "fast";
    case "string":
      return [1];
    case "union":
      return { a: 1 };
    default:
      return 42;
  }
}

interface FieldCase {
  readonly path: string;
  readonly yamlPath: ReadonlyArray<string | number>;
  readonly doc: unknown;
}

function required(node: ObjectNode): Record<string, unknown> {
  return Object.fromEntries(Object.entries(node.fields).filter(([, f]) => f.presence === "required").map(([k, f]) => [k, sample(f)]));
}

function* fieldCases(node: AnyNode, path: string, yamlPath: Array<string | number>, wrap: (v: unknown) => unknown): Generator<FieldCase> {
  if (path !== "") yield { path, yamlPath, doc: wrap(bad(node)) };
  const join = (k: string | number) => (typeof k === "number" ? `${path}[${k}]` : path === "" ? k : `${path}.${k}`);
  switch (node.kind) {
    case "object":
      for (const [name, field] of Object.entries(node.fields)) {
        yield* fieldCases(field, join(name), [...yamlPath, name], (v) => wrap({ ...required(node), [name]: v }));
      }
      return;
    case "list":
      yield* fieldCases(node.items, join(0), [...yamlPath, 0], (v) => wrap([v]));
      return;
    case "variants":
      for (const [tag, variant] of Object.entries(node.variants)) {
        const head = variant.has === undefined ? { [node.tag]: tag } : {};
        for (const [name, field] of Object.entries(variant.node.fields)) {
          yield* fieldCases(field, join(name), [...yamlPath, name], (v) => wrap({ ...head, ...required(variant.node), [name]: v }));
        }
      }
      return;
    default:
      return;
  }
}

const CASES = [...fieldCases(SCENARIO, "", [], (v) => v)];

describe("every field of the schema", () => {
  it("covers the fields the reference documents", () => {
    const paths = new Set(CASES.map((c) => c.path));
    for (const p of ["board.hpet.timers", "board.panel.refreshHz", "board.gce.slice", "board.dts", "kernel.switches", "workload.idle[0].jitter", "workload.cmdq.program", "faults[0].event", "faults[0].latency", "outputs.format"]) {
      expect(paths.has(p), p).toBe(true);
    }
    expect(CASES.length).toBeGreaterThan(60);
  });

  it("are all in the reference, docs/scenarios.md, with every fault type", () => {
    const doc = readFileSync(new URL("../../../docs/scenarios.md", import.meta.url), "utf8");
    const missing = [...new Set(CASES.map((c) => c.path.replace(/\[0\]/g, "").split(".").at(-1)!))].filter((leaf) => !new RegExp(`\`(?:[\\w.]+\\.)?${leaf}(?:\\.[\\w.]+)?\``).test(doc));
    expect(missing).toEqual([]);
    for (const type of ["smi", "access-delay", "posted-write", "drop-irq", "duplicate-irq", "halt-hpet", "suspend", "stop-display", "mask-event"]) expect(doc).toContain(`| \`${type}\` |`);
  });

  it.each(CASES.map((c) => [c.path, c] as const))("refuses a bad %s at its line and column, as the JSON Schema does", async (_path, c) => {
    const text = stringify(c.doc);
    const lines = new LineCounter();
    const node = parseDocument(text, { lineCounter: lines }).getIn(c.yamlPath, true) as { range: [number, number, number] };
    const { line, col } = lines.linePos(node.range[0]);
    let diagnostics: ReadonlyArray<{ path: string; pos: { line: number; column: number } | null; expected: string; found: string }> = [];
    try {
      await load(text);
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      diagnostics = err.diagnostics;
    }
    expect(diagnostics.map((d) => [d.path, d.pos?.line, d.pos?.column])).toEqual([[c.path, line, col]]);
    const value = (parseDocument(text).getIn(c.yamlPath) as { toJSON?: () => unknown } | unknown) ?? null;
    const plain = typeof value === "object" && value !== null && "toJSON" in value && typeof value.toJSON === "function" ? value.toJSON() : value;
    const found = Array.isArray(plain) ? "a list" : typeof plain === "object" && plain !== null ? "a mapping" : typeof plain === "string" ? JSON.stringify(plain) : String(plain);
    expect(diagnostics[0]?.found).toBe(found);
    expect(diagnostics[0]?.expected).toMatch(/^(an? |one of |true or false|either )/);
    expect(check(scenarioJsonSchema(), c.doc as never)).not.toEqual([]);
  });
});

// --- the JSON Schema -------------------------------------------------------------------------

function* subschemas(s: unknown, path = "$"): Generator<[string, Record<string, unknown>]> {
  if (s === null || typeof s !== "object") return;
  if (Array.isArray(s)) {
    for (const [i, x] of s.entries()) yield* subschemas(x, `${path}[${i}]`);
    return;
  }
  const o = s as Record<string, unknown>;
  yield [path, o];
  for (const k of ["properties", "additionalProperties", "items", "oneOf", "anyOf", "propertyNames"]) {
    const v = o[k];
    if (k === "properties" && v !== undefined) for (const [name, sub] of Object.entries(v as object)) yield* subschemas(sub, `${path}.${name}`);
    else if (v !== undefined && typeof v === "object") yield* subschemas(v, `${path}/${k}`);
  }
}

describe("the JSON Schema", () => {
  const schema = scenarioJsonSchema();

  it("is draft 2020-12, closes every object and describes every property", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    for (const [path, s] of subschemas(schema)) {
      if (s.properties !== undefined) expect(s.additionalProperties, path).toBe(false);
      if (s.properties !== undefined) for (const [name, p] of Object.entries(s.properties as object)) expect(typeof (p as { description?: unknown }).description === "string" || "const" in (p as object), `${path}.${name}`).toBe(true);
    }
  });

  it("has defaults that are valid against their own schemas", () => {
    let n = 0;
    for (const [path, s] of subschemas(schema)) {
      if (!("default" in s)) continue;
      n++;
      const { default: d, ...rest } = s;
      expect(check(rest, d as never), path).toEqual([]);
    }
    expect(n).toBeGreaterThan(40);
  });

  it("accepts the empty scenario and a full one, and refuses documents the loader refuses", async () => {
    expect(check(schema, {})).toEqual([]);
    // An empty YAML file is a null document: both the loader and the schema take it.
    expect(check(schema, null)).toEqual([]);
    expect(check(schema, 42)).not.toEqual([]);
    const full = {
      board: { name: "x86-pc", cpus: 4, hpet: { profile: "qemu-7.2", timers: 4, periodFs: 10_000_000, routeCap: "0x00f00000" }, tscHz: "2.4GHz" },
      kernel: { HZ: 250, tickMode: "oneshot", driverProfile: "seed-2007", switches: { "hpet.find-first-bit-4": false } },
      workload: { idle: [{ cpu: 1, period: "10ms", idle: "6ms", jitter: "1ms" }] },
      faults: [
        { type: "access-delay", cpu: 1, address: "0xfed00128", after: "500ms", delay: "6ms" },
        { type: "suspend", at: "2s", duration: "1s" },
      ],
      duration: "5s",
      seed: 42,
      outputs: { trace: "run.vcd", dmesg: true },
    };
    expect(check(schema, full)).toEqual([]);
    await expect(load(stringify(full))).resolves.toMatchObject({ durationNs: 5e9, seed: 42 });
    expect(check(schema, { board: "x86-pc", faults: [{ type: "smi", at: "1ms" }] })).not.toEqual([]);
    expect(check(schema, { board: { dts: "a.dts", name: "x86-pc" } })).not.toEqual([]);
    expect(check(schema, { board: { name: "mt8173", crtcs: 2, panel: { refreshHz: 120 } } })).toEqual([]);
    expect(check(schema, { kernel: { switches: { "no.such": true } } })).not.toEqual([]);
  });
});

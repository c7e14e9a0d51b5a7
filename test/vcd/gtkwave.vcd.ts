/**
 * `npm run test:vcd`: the VCD sink's files read back by GTKWave's own reader. Each run's VCD
 * goes through `vcd2fst` (GTKWave's VCD loader, writing its FST database) and back out through
 * `fst2vcd`; what comes out is what GTKWave shows, and it must hold every wire the sink
 * declared, with the values the models had: the HPET's lines rise exactly when its comparators
 * matched, Tn_INT_ENB_CNF and the LAPIC timers end as the devices say, the GCE threads' states
 * follow their exec slices.
 *
 * Needs GTKWave's command-line tools: `apt-get install gtkwave` (Debian, Ubuntu).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Mt8173 } from "../../src/platform/boards/mt8173.js";
import { X86Pc } from "../../src/platform/boards/x86-pc.js";
import { RingSink } from "../../src/sim/sinks/ring.js";
import { VcdSink } from "../../src/sim/sinks/vcd.js";
import { trackName, type Tracer } from "../../src/sim/trace.js";

const MS = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), "vplat-vcd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Var {
  readonly type: string;
  readonly width: number;
  /** Dotted scope path and name, as the trace names the wire. */
  readonly name: string;
}

interface Waves {
  readonly timescale: string;
  readonly vars: Map<string, Var>;
  /** Per wire name: [time, value] in file order, the $dumpvars values first; `x` bits read as NaN. */
  readonly changes: Map<string, Array<[number, number]>>;
}

/** Writes `vcd`, has GTKWave load it into an FST database and dump that back as VCD. */
function throughGtkwave(name: string, vcd: string): string {
  const file = join(dir, `${name}.vcd`);
  writeFileSync(file, vcd);
  try {
    execFileSync("vcd2fst", [file, join(dir, `${name}.fst`)], { stdio: "pipe" });
    return execFileSync("fst2vcd", [join(dir, `${name}.fst`)], { encoding: "utf8", maxBuffer: 1 << 30 });
  } catch (err) {
    throw new Error(`GTKWave's vcd2fst/fst2vcd failed (apt-get install gtkwave): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Reads the VCD that fst2vcd wrote (IEEE 1364 §18.2 syntax, one token stream). */
function parse(text: string): Waves {
  const tokens = text.split(/\s+/).filter((x) => x !== "");
  const scopes: string[] = [];
  const vars = new Map<string, Var>();
  const byId = new Map<string, string[]>();
  const changes = new Map<string, Array<[number, number]>>();
  let timescale = "";
  let time = 0;
  let i = 0;
  const until = (end: string) => {
    const start = i;
    while (tokens[i] !== end) i++;
    return tokens.slice(start, i++);
  };
  const set = (id: string, value: number) => {
    for (const n of byId.get(id) ?? []) changes.get(n)!.push([time, value]);
  };
  while (i < tokens.length) {
    const tok = tokens[i++]!;
    if (tok === "$scope") scopes.push(until("$end")[1]!);
    else if (tok === "$upscope") {
      scopes.pop();
      until("$end");
    }
    else if (tok === "$var") {
      const [type, width, id, ref] = until("$end");
      const name = [...scopes, ref!].join(".");
      vars.set(name, { type: type!, width: Number(width), name });
      byId.set(id!, [...(byId.get(id!) ?? []), name]);
      changes.set(name, []);
    } else if (tok === "$timescale") timescale = until("$end").join("");
    else if (tok === "$date" || tok === "$version" || tok === "$comment") until("$end");
    else if (tok === "$enddefinitions" || tok === "$dumpvars" || tok === "$end") continue;
    else if (tok.startsWith("#")) time = Number(tok.slice(1));
    else if (tok[0] === "b" || tok[0] === "B") set(tokens[i++]!, /[xz]/i.test(tok) ? Number.NaN : parseInt(tok.slice(1), 2));
    else set(tok.slice(1), tok[0] === "1" ? 1 : tok[0] === "0" ? 0 : Number.NaN);
  }
  return { timescale, vars, changes };
}

/** The times a wire went from 0 to 1. */
function rises(w: Waves, name: string): number[] {
  const out: number[] = [];
  let prev = Number.NaN;
  for (const [t, v] of w.changes.get(name) ?? []) {
    if (v === 1 && prev === 0) out.push(t);
    prev = v;
  }
  return out;
}

/** A wire's value at the end of each time step, kept where it differs from the step before. */
function settle(changes: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [t, v] of changes) {
    if (out.at(-1)?.[0] === t) out.pop();
    if (out.at(-1)?.[1] !== v) out.push([t, v]);
  }
  return out;
}

function last(w: Waves, name: string): number | undefined {
  return w.changes.get(name)?.at(-1)?.[1];
}

/** Every wire the devices declared on `tracer`, as the VCD must name it. */
function declared(tracer: Tracer): string[] {
  return tracer.signals.map((s) => trackName(s.ev, s.track));
}

/** Runs a board with a VCD sink and a ring beside it, and reads the VCD back through GTKWave. */
function record<B extends { machine: { tracer: Tracer } }>(name: string, board: B, run: (b: B) => void) {
  let vcd = "";
  const ring = new RingSink(1 << 20);
  board.machine.tracer.attach(new VcdSink({ write: (s) => void (vcd += s) }, { comment: `${name} test` }));
  board.machine.tracer.attach(ring);
  run(board);
  board.machine.tracer.close();
  return { board, ring, w: parse(throughGtkwave(name, vcd)) };
}

describe("x86-pc waves through GTKWave", () => {
  let r: ReturnType<typeof record<X86Pc>>;
  beforeAll(() => {
    r = record("x86", new X86Pc({ cpus: 2, HZ: 1000, tickMode: "oneshot" }), (pc) => {
      pc.boot();
      pc.runFor(150 * MS);
    });
  });

  it("reads back every wire declared, with its width and type, on a 1 ns timescale", () => {
    const { board: pc, w } = r;
    expect(w.timescale).toBe("1ns");
    const names = declared(pc.machine.tracer);
    expect([...w.vars.keys()].sort()).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["hpet.irq21", "hpet.irq22", "hpet.timer0.int_enb", "lapic1.timer_armed", "lapic0.intr"]));
    expect(w.vars.get("hpet.irq21")).toEqual({ type: "wire", width: 1, name: "hpet.irq21" });
    // $dumpvars gives every wire a value at the start: the interrupt lines start low.
    expect(w.changes.get("hpet.irq21")![0]).toEqual([0, 0]);
  });

  it("raises each HPET output exactly when a comparator routed to it matched", () => {
    const { board: pc, ring, w } = r;
    const hpet = pc.hpet!.snapshot().state;
    const fires = ring.entries().filter((e) => e.ev.name === "hpet_timer_fire");
    let checked = 0;
    for (let n = 0; n < hpet.timers.length; n++) {
      // IA-PC HPET 1.0a Tn_CONF_CAP (§1.6 of the shared spec): Tn_INT_ROUTE_CNF is bits 13:9.
      const route = (hpet.timers[n]!.config >>> 9) & 0x1f;
      if (route < 16) continue; // the per-CPU timers use PCI-style inputs 16..23
      const at = fires.filter((e) => e.args[0] === n).map((e) => e.t);
      const up = rises(w, `hpet.irq${route}`);
      // Before the per-CPU driver routed the timer here it was the legacy tick on another line.
      expect(up).toEqual(at.filter((t) => t >= up[0]!));
      expect(up.length).toBeGreaterThan(45);
      checked++;
    }
    expect(checked).toBe(2);
  });

  it("ends with each timer's Tn_INT_ENB_CNF and each LAPIC timer's state as the devices hold them", () => {
    const { board: pc, w } = r;
    const hpet = pc.hpet!.snapshot().state;
    for (let n = 0; n < hpet.timers.length; n++) {
      // Tn_CONF_CAP bit 2 is Tn_INT_ENB_CNF.
      expect(last(w, `hpet.timer${n}.int_enb`), `timer ${n}`).toBe((hpet.timers[n]!.config >>> 2) & 1);
    }
    for (const [cpu, lapic] of pc.apic.lapics.entries()) expect(last(w, `lapic${cpu}.timer_armed`)).toBe(lapic.timerExpires === undefined ? 0 : 1);
  });
});

describe("mt8173 waves through GTKWave", () => {
  let r: ReturnType<typeof record<Mt8173>>;
  beforeAll(() => {
    r = record("mt8173", new Mt8173({ client: { planes: 2, writesPerFrame: 50 } }), (b) => {
      b.boot();
      b.runFor(100 * MS);
    });
  });

  it("holds each GCE thread's state as an integer that enters and leaves `running` with its exec slices", () => {
    const { board: b, ring, w } = r;
    expect([...w.vars.keys()].sort()).toEqual(declared(b.machine.tracer).sort());
    expect(w.vars.get("gce.thr0")).toEqual({ type: "integer", width: 32, name: "gce.thr0" });
    const thr = ring.entries().filter((e) => e.args[0] === "gce.thr0");
    const begins = new Set(thr.filter((e) => e.ev.name === "gce_exec_begin").map((e) => e.t));
    const ends = new Set(thr.filter((e) => e.ev.name === "gce_exec_end").map((e) => e.t));
    const states = w.changes.get("gce.thr0")!;
    let running = 0;
    for (let k = 1; k < states.length; k++) {
      const [t, v] = states[k]!;
      const was = states[k - 1]![1];
      if (v === 1 && was !== 1) {
        expect(begins.has(t), `running from ${t}`).toBe(true);
        running++;
      }
      if (was === 1 && v !== 1) expect(ends.has(t), `stopped at ${t}`).toBe(true);
    }
    expect(running).toBeGreaterThan(5);
    expect(new Set(states.map(([, v]) => v))).toEqual(new Set([0, 1, 2, 4]));
  });

  it("shows each interrupt line's level at the end of every nanosecond it changed in", () => {
    const { ring, w } = r;
    // mt8173 takes interrupts with no entry latency: the GCE's line rises at an EOC and its
    // handler lowers it within the same nanosecond, which a waveform cannot show.
    for (const line of ["gce.irq", "gpt.irq", "gic.intr", "disp.ovl0.irq"]) {
      const levels = ring.entries().filter((e) => e.ev.name === "irq_level" && e.args[0] === line);
      expect(levels.length, line).toBeGreaterThan(0);
      const expected = settle([[0, 0], ...levels.map((e): [number, number] => [e.t, Number(e.args[1])])]);
      expect(settle(w.changes.get(line)!), line).toEqual(expected);
    }
  });
});

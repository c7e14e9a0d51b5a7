/**
 * The trace sinks on whole boards: the Perfetto JSON of a run parses as one document, has the
 * tracks docs/traces.md promises, keeps every slice balanced and every track in time order, and
 * its counts agree with what the boards report about the same run. The JSON-lines output has one
 * record per emitted event in the documented field order.
 */
import { describe, expect, it } from "vitest";
import { Mt8173 } from "../../src/platform/boards/mt8173.js";
import { X86Pc } from "../../src/platform/boards/x86-pc.js";
import { JsonLinesSink } from "../../src/sim/sinks/jsonl.js";
import { PerfettoSink } from "../../src/sim/sinks/perfetto.js";
import type { Tracer } from "../../src/sim/trace.js";

const MS = 1_000_000;

interface Ev {
  ph: string;
  name?: string;
  cat?: string;
  pid: number;
  tid?: number;
  ts?: number;
  args?: Record<string, unknown>;
}

function capture(tracer: Tracer): () => string {
  let text = "";
  tracer.attach(new PerfettoSink({ write: (s) => void (text += s) }));
  return () => text;
}

/** The document, with every structural rule of the Trace Event Format checked on the way. */
function check(json: string) {
  const evs = (JSON.parse(json) as { traceEvents: Ev[] }).traceEvents;
  const processes = new Map<number, string>();
  const threads = new Map<string, string>();
  const sortIndexes = new Set<string>();
  for (const e of evs.filter((x) => x.ph === "M")) {
    const name = e.args?.name;
    if (e.name === "process_name") processes.set(e.pid, String(name));
    if (e.name === "thread_name") threads.set(`${e.pid}/${e.tid}`, String(name));
    if (e.name === "process_sort_index" || e.name === "thread_sort_index") sortIndexes.add(`${e.name} ${e.pid}/${e.tid}`);
  }
  const stacks = new Map<string, string[]>();
  const lastTs = new Map<string, number>();
  let previous = -1;
  for (const e of evs.filter((x) => x.ph !== "M")) {
    expect(processes.has(e.pid), `pid ${e.pid} has a process_name`).toBe(true);
    expect(e.ts).toBeGreaterThanOrEqual(previous);
    previous = e.ts!;
    const key = e.ph === "C" ? `${e.pid}/C/${e.name}` : `${e.pid}/${e.tid}`;
    if (e.ph !== "C") {
      expect(threads.has(key), `${key} has a thread_name`).toBe(true);
      expect(sortIndexes.has(`thread_sort_index ${key}`)).toBe(true);
      // Perfetto keys threads by tid alone: no tid may also be some process's pid.
      expect(processes.has(e.tid!)).toBe(false);
    }
    expect(e.ts!).toBeGreaterThanOrEqual(lastTs.get(key) ?? 0);
    lastTs.set(key, e.ts!);
    const stack = stacks.get(key) ?? [];
    stacks.set(key, stack);
    if (e.ph === "B") stack.push(e.name!);
    if (e.ph === "E") expect(stack.pop(), `E on ${threads.get(key)} at ${e.ts} closes a B`).toBeDefined();
  }
  for (const [key, stack] of stacks) expect(stack, `slices left open on ${threads.get(key)}`).toEqual([]);
  for (const pid of processes.keys()) expect(sortIndexes.has(`process_sort_index ${pid}/${pid}`)).toBe(true);
  // Every timestamp is microseconds with exactly three decimals (the integer nanoseconds).
  expect(json.match(/"ts":[^,}]*/g)!.every((m) => /^"ts":\d+\.\d{3}$/.test(m))).toBe(true);
  const pidOf = (name: string) => [...processes].find(([, n]) => n === name)?.[0];
  const threadsOf = (process: string) => [...threads].filter(([k]) => k.startsWith(`${pidOf(process)}/`)).map(([, n]) => n);
  const on = (process: string, thread: string) => evs.filter((e) => e.pid === pidOf(process) && threads.get(`${e.pid}/${e.tid}`) === thread);
  const counter = (process: string, name: string) => evs.filter((e) => e.ph === "C" && e.pid === pidOf(process) && e.name === name);
  return { evs, processes: [...processes.values()], threadsOf, on, counter };
}

describe("Perfetto JSON of the x86-pc board", () => {
  const run = () => {
    const pc = new X86Pc({ cpus: 2, HZ: 1000, tickMode: "oneshot" });
    const text = capture(pc.machine.tracer);
    pc.boot();
    pc.runFor(300 * MS);
    pc.machine.tracer.close();
    return { pc, json: text() };
  };
  const { pc, json } = run();
  const doc = check(json);
  const report = pc.report();

  it("has a track per CPU and per HPET timer, interrupt lines and the kernel's counters", () => {
    expect(doc.processes).toEqual(expect.arrayContaining(["cpu", "hpet", "irq lines", "kernel", "apic", "ioapic"]));
    expect(doc.threadsOf("cpu")).toEqual(["cpu0", "cpu1"]);
    expect(doc.threadsOf("hpet")).toEqual(expect.arrayContaining(["hpet", "timer0", "timer1"]));
    expect(doc.counter("irq lines", "hpet.irq21").length).toBeGreaterThan(0);
  });

  it("draws one handler slice per interrupt the kernel counted, on the CPU that took it", () => {
    for (const irq of report.irqs) {
      const slices = ["cpu0", "cpu1"].flatMap((c) => doc.on("cpu", c)).filter((e) => e.ph === "B" && e.name!.startsWith(`irq ${irq.irq} `));
      expect(slices.length, `IRQ ${irq.irq}`).toBe(irq.count);
      expect(slices.every((e) => e.name === `irq ${irq.irq} ${irq.handlers[0]}`)).toBe(true);
    }
  });

  it("marks every comparator match of the HPET: each one interrupted a CPU, but those still in interrupt entry when the run ended", () => {
    const fires = doc.threadsOf("hpet").flatMap((t) => doc.on("hpet", t)).filter((e) => e.name === "hpet_timer_fire");
    const hpetIrqs = report.irqs.filter((i) => i.handlers.some((h) => h === "timer" || h.startsWith("hpet")));
    const delivered = hpetIrqs.reduce((a, i) => a + i.count, 0);
    // The board's interrupt entry takes 500 ns (X86PcProps.irqEntryNs).
    const inEntry = fires.filter((e) => e.ts! * 1000 > report.timeNs - 500).length;
    expect(fires.length).toBe(delivered + inEntry);
    expect(fires.length).toBeGreaterThan(2 * 290);
  });

  it("counts each CPU's ticks and keeps jiffies' drift within a tick", () => {
    for (const c of report.cpus) {
      const ticks = doc.counter("cpu", `cpu${c.cpu}`);
      expect(ticks.at(-1)?.args).toEqual({ ticks: c.ticks });
    }
    // One update per timekeeping tick; the one after the calibration (interrupts off) catches up many jiffies at once.
    const drift = doc.counter("kernel", "jiffies").map((e) => Number(e.args!.drift_ns));
    expect(drift.length).toBeGreaterThan(report.jiffies / 2);
    expect(drift.every((d) => Math.abs(d) <= 1_000_000)).toBe(true);
  });

  it("writes byte-identical files for the same run", () => {
    expect(run().json).toBe(json);
  });
});

describe("Perfetto JSON of the mt8173 board", () => {
  const b = new Mt8173({ client: { planes: 2, writesPerFrame: 50 } });
  const text = capture(b.machine.tracer);
  b.boot();
  b.runFor(200 * MS);
  b.machine.tracer.close();
  const doc = check(text());
  const stats = b.stats();

  it("draws each frame from SOF to EOF and the vblank after it on the display path's track", () => {
    const path = doc.on("disp", "path0");
    const frames = path.filter((e) => e.ph === "B" && e.name!.startsWith("frame "));
    expect(frames.map((e) => e.name)).toEqual(Array.from({ length: stats.display.frames }, (_, i) => `frame ${i}`));
    expect(path.filter((e) => e.ph === "B" && e.name === "vblank").length).toBeGreaterThanOrEqual(stats.display.frames - 1);
  });

  it("draws one slice per packet on its GCE thread, titled by the packet's address, and the thread's state", () => {
    const used = stats.threads.filter((t) => t.submitted > 0);
    expect(used.length).toBeGreaterThan(0);
    for (const t of used) {
      const packets = doc.on("gce", `thr${t.thread}.pkt`).filter((e) => e.ph === "B");
      expect(packets.length).toBeGreaterThanOrEqual(t.completed);
      expect(packets.length).toBeLessThanOrEqual(t.submitted);
      expect(packets.every((e) => /^packet 0x[0-9a-f]+$/.test(e.name!))).toBe(true);
      expect(doc.on("gce", `thr${t.thread}`).some((e) => e.ph === "B" && e.name!.startsWith("wfe "))).toBe(true);
      expect(new Set(doc.counter("gce", `thr${t.thread}`).map((e) => e.args!.state))).toEqual(new Set([0, 1, 2, 4]));
    }
  });
});

describe("JSON lines of the x86-pc board", () => {
  it("writes one record per emitted event, t in nanoseconds then cat, ev and the arguments in order", () => {
    const pc = new X86Pc({ cpus: 2, HZ: 250, tickMode: "periodic" });
    let text = "";
    pc.machine.tracer.attach(new JsonLinesSink({ write: (s) => void (text += s) }));
    pc.boot();
    pc.runFor(150 * MS);
    pc.machine.tracer.close();
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(pc.machine.tracer.count);
    let t = 0;
    for (const line of lines) {
      const rec = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(rec).slice(0, 3)).toEqual(["t", "cat", "ev"]);
      expect(rec.t).toBeGreaterThanOrEqual(t);
      t = rec.t as number;
    }
    const last = (prefix: string) => JSON.parse(lines.filter((l) => l.includes(prefix)).at(-1)!) as Record<string, number>;
    const report = pc.report();
    for (const c of report.cpus) expect(last(`"ev":"tick","cpu":${c.cpu},`)).toMatchObject({ cat: "tick", ticks: c.ticks });
    expect(last(`"ev":"jiffies"`)).toMatchObject({ cat: "jiffies", jiffies: report.jiffies });
  });
});

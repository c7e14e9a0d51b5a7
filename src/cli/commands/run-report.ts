/**
 * `vplat run`'s summary as text tables: what a person reads after a run. The same summary as
 * one JSON document is `--json` (the RunSummary type, src/tools/scenario/run.ts).
 */
import { formatNs } from "../../sim/time.js";
import { errname } from "../../linux/include/linux/errno.js";
import type { BindFailure, MediatekGceRunSummary, Mt8173RunSummary, NodeRef, RunSummary, X86RunSummary } from "../../tools/scenario/index.js";

type Cell = string | number;

/** Columns padded to their widest cell; numbers right-aligned, text left-aligned. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>, indent = "  "): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? "").length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number"));
  const line = (cells: readonly Cell[]) =>
    indent +
    cells
      .map((c, i) => (numeric[i] ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

const ppm = (x: number) => Math.round(x * 10) / 10;

export function formatSummary(s: RunSummary): string {
  const lines = [...header(s), "", ...boardLines(s), "", ...faultLines(s)];
  if (s.dmesg !== undefined) lines.push("", "kernel log:", ...s.dmesg.replace(/\n$/, "").split("\n").map((l) => `  ${l}`));
  return `${lines.join("\n")}\n`;
}

function boardLines(s: RunSummary): string[] {
  switch (s.board) {
    case "x86-pc":
      return x86Lines(s);
    case "mt8173":
      return mt8173Lines(s);
    case "mediatek-gce":
      return mediatekLines(s);
  }
}

function header(s: RunSummary): string[] {
  const k = s.kernel;
  const switches = Object.entries(k.switches).map(([n, on]) => `${n}=${on ? "on" : "off"}`);
  const kernel = [`HZ ${k.HZ}`, ...(s.board === "x86-pc" ? [`${k.tickMode} tick`] : []), `driver ${k.driverProfile}`, ...switches].join(", ");
  const status =
    s.status === "completed"
      ? `completed ${formatNs(s.endNs)} of simulated time`
      : s.status === "crashed"
        ? `CRASHED at ${formatNs(s.crash?.atNs ?? s.endNs)}: ${s.crash?.error ?? "unknown error"}`
        : `stopped at ${formatNs(s.endNs)} of ${formatNs(s.durationNs)}`;
  const board = s.board === "mediatek-gce" && s.mediatek !== null ? `${s.board} ${s.mediatek.soc}` : s.board;
  return [`${s.scenario}: ${board} (${s.boardSource}), seed ${s.seed}`, `  kernel: ${kernel}`, `  run: ${status}`];
}

function x86Lines(s: X86RunSummary): string[] {
  const r = s.x86;
  if (r === null) return ["(the crashed machine could not report)"];
  const cpus = table(
    ["CPU", "tick device", "ticks", "drift ppm", "broadcast ticks", "interrupts", "spurious", "pending timers", "deep idle"],
    r.cpus.map((c) => [c.cpu, c.tickDevice, c.ticks, ppm(c.driftPpm), r.broadcastTicks[c.cpu] ?? 0, c.interrupts, c.spurious, c.pendingTimers, formatNs(c.deepIdleNs)]),
  );
  const irqs = table(
    ["IRQ", "handlers", "count", "unhandled", "disabled"],
    r.irqs.map((i) => [i.irq, i.handlers.join(", ") || "-", i.count, i.unhandled, i.disabled ? "yes" : "no"]),
  );
  const h = r.hpet;
  const hpet =
    h === null
      ? "HPET driver: not loaded"
      : `HPET driver: self-test ${h.selftest}; ${h.percpu ? "per-CPU" : "global"} devices, ${h.timers_used} timers on IRQs ${h.irqs.join(", ") || "none"}; mult ${h.mult} shift ${h.shift}; min_delta ${h.min_delta_ns} ns, max_delta ${h.max_delta_ns} ns`;
  return [
    "clock-event devices per CPU:",
    ...cpus,
    "",
    `broadcast device: ${r.broadcastDevice ?? "none"}; clocksource: ${r.clocksource}; jiffies ${r.jiffies} (drift ${ppm(r.jiffiesDriftPpm)} ppm)`,
    hpet,
    "",
    "interrupts per line:",
    ...irqs,
  ];
}

function mt8173Lines(s: Mt8173RunSummary): string[] {
  const r = s.mt8173;
  if (r === null) return ["(the crashed machine could not report)"];
  const out: string[] = [];
  if (r.frames.length > 0) {
    out.push(
      "frames per crtc:",
      ...table(
        ["crtc", "committed", "flipped", "on time", "late", "failed", "CMDQ timeouts", "CPU-configured"],
        r.frames.map((f) => [f.crtc, f.committed, f.flipped, f.onTime, f.late, f.failed, f.cmdqTimeouts, f.cpuConfigured]),
      ),
      "",
    );
  }
  const p = s.program;
  if (p !== null) {
    out.push(
      `program client (mailbox channel ${p.channel}, ${p.instructionsPerPacket} instructions per packet): ${p.submitted} packets submitted, ${p.completed} completed, ${p.failed} failed${p.stopped === null ? "" : `; stopped: ${p.stopped}`}`,
      "",
    );
  }
  out.push(
    "packets per GCE thread:",
    ...table(
      ["thread", "priority", "submitted", "completed", "errors", "timeouts", "aborted", "latency avg", "latency max"],
      r.threads.map((t) => [t.thread, t.priority, t.submitted, t.completed, t.errors, t.timeouts, t.aborted, formatNs(t.latencyAvgNs), formatNs(t.latencyMaxNs)]),
    ),
    "",
    `instructions: ${r.instructions.executed} executed; in completed packets by op: ${Object.entries(r.instructions.byOp).map(([op, n]) => `${op} ${n}`).join(", ") || "none"}`,
    "",
    "events and waits:",
    ...table(
      ["event", "name", "pulses", "waits ended", "wait avg", "wait max"],
      r.events.map((e) => [e.event, e.name, e.pulses, e.waitsEnded, formatNs(e.waitAvgNs), formatNs(e.waitMaxNs)]),
    ),
    "",
    `display: ${r.display.frames} frames, ${r.display.writes} register writes (${r.display.vblankWrites} in vblank, ${r.display.lateWrites} late), ${r.display.underruns} underruns`,
    `timeouts: ${r.timeouts.thread} GCE thread, ${r.timeouts.crtc} crtc; callback errors: ${r.callbackErrors}`,
  );
  return out;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** `mmsys (syscon@14000000)` when the node has a label (from a DTS), else its path. */
function nodeText(n: NodeRef): string {
  return n.label === null ? n.node : `${n.label} (${n.node.slice(n.node.lastIndexOf("/") + 1)})`;
}

/** "ok", or the kernel's errno by name and the binding report's words. */
function result(e: BindFailure | null): string {
  return e === null ? "ok" : `${e.errno === null ? "NULL" : errname(e.errno)}: ${e.message}`;
}

function mediatekLines(s: MediatekGceRunSummary): string[] {
  const r = s.mediatek;
  if (r === null) return ["(the crashed machine could not report)"];
  const gceName = new Map(r.gces.map((g) => [g.node, nodeText(g)]));
  const out = [
    `GCEs (${r.soc}):`,
    ...table(
      ["GCE", "base", "IRQ", "threads", "address shift", "instructions", "controller"],
      r.gces.map((g) => [nodeText(g), hex(g.base), g.irq ?? "-", g.threads, g.shift, g.instructions, result(g.error)]),
    ),
  ];
  const mboxes = r.clients.flatMap((c) => c.mboxes.map((m) => [nodeText(c), m.index, m.gce === null ? "-" : (gceName.get(m.gce) ?? m.gce), m.thread ?? "-", m.priority ?? "-", result(m.error)]));
  if (mboxes.length > 0) out.push("", "mailbox channels (mboxes):", ...table(["client", "entry", "GCE", "thread", "priority", "channel"], mboxes));
  const windows = r.clients.flatMap((c) => (c.window === null ? [] : [[nodeText(c), c.window.property, c.window.subsys ?? "-", c.window.offset === null ? "-" : hex(c.window.offset), c.window.size === null ? "-" : hex(c.window.size), result(c.window.error)]]));
  if (windows.length > 0) out.push("", "register windows:", ...table(["client", "property", "subsys", "offset", "size", "window"], windows));
  const events = r.clients.flatMap((c) => c.events.map((e) => [nodeText(c), `${e.property}[${e.index}]`, e.event ?? "-", e.name ?? "-", result(e.error)]));
  if (events.length > 0) out.push("", "events:", ...table(["client", "entry", "event", "name", "check"], events));
  out.push("", r.bindErrors.length === 0 ? "bind errors: none" : `bind errors: ${r.bindErrors.length}`, ...r.bindErrors.map((e) => `  ${e}`));
  const p = s.program;
  if (p !== null) {
    const client = r.clients.find((c) => c.node === p.node);
    const on = p.node === null ? "no channel" : `${client === undefined ? p.node : nodeText(client)} mboxes[${p.channel}]`;
    out.push(
      "",
      `program client (${on}, ${p.instructionsPerPacket} instructions per packet, back to back): ${p.submitted} packets submitted, ${p.completed} completed, ${p.failed} failed${p.stopped === null ? "" : `; stopped: ${p.stopped}`}`,
    );
  }
  if (r.threads.length > 0) {
    out.push(
      "",
      "packets per GCE thread:",
      ...table(
        ["GCE", "thread", "priority", "submitted", "completed", "errors", "timeouts", "aborted", "latency avg", "latency max"],
        r.threads.map((t) => [gceName.get(t.gce) ?? t.gce, t.thread, t.priority, t.submitted, t.completed, t.errors, t.timeouts, t.aborted, formatNs(t.latencyAvgNs), formatNs(t.latencyMaxNs)]),
      ),
    );
  }
  out.push("", `instructions: ${r.instructions.executed} executed; in completed packets by op: ${Object.entries(r.instructions.byOp).map(([op, n]) => `${op} ${n}`).join(", ") || "none"}`);
  return out;
}

function faultLines(s: RunSummary): string[] {
  const f = s.faults;
  const lines = [`faults: ${f.injected} injected, ${f.hit.length} hit${f.hit.length === 0 ? "" : ":"}`, ...f.hit.map((h) => `  ${h}`)];
  lines.push(s.warnings.length === 0 ? "warnings: none" : "warnings:", ...s.warnings.map((w) => `  ${w}`));
  if (s.busErrors > 0) lines.push(`bus errors: ${s.busErrors}`);
  return lines;
}

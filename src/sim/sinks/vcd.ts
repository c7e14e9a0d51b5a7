import { EventSelection, trackName, type EventFilter, type TraceArg, type TraceEvent, type TraceInfo, type TraceSink, type VcdVarType } from "../trace.js";
import { ByteWriter, type TextOutput } from "./writer.js";

export interface VcdSignal {
  /** Dotted name; the dots become scopes (`hpet.t0.irq` is wire `irq` in module `hpet.t0`). */
  readonly name: string;
  readonly width: number;
  /** `wire` (default) or `integer` (32 bits). */
  readonly type?: VcdVarType;
  /** Value in the initial `$dumpvars` (default unknown, `x`). */
  readonly initial?: number;
}

export interface VcdOptions {
  /**
   * The wires, in declaration order. Default: every signal the devices declared on the tracer
   * (`Tracer.declareSignal`), with their values at the time the sink is attached.
   */
  readonly signals?: readonly VcdSignal[];
  /** Text of the `$comment` section (default "vplat"). */
  readonly comment?: string;
  /** Which events to take signals from (default: all). */
  readonly filter?: EventFilter;
}

interface Wire {
  readonly id: string;
  readonly width: number;
  /** The value last written to the file. */
  value: number | undefined;
  /** The value at the end of the current time step so far, and whether it is in `changed`. */
  next: number | undefined;
  changed: boolean;
}

interface Scope {
  readonly scopes: Map<string, Scope>;
  readonly vars: Array<{ readonly leaf: string; readonly signal: VcdSignal }>;
}

/** VCD identifiers: printable ASCII 33..126, shortest first. */
function identifier(n: number): string {
  let id = "";
  do {
    id += String.fromCharCode(33 + (n % 94));
    n = Math.floor(n / 94);
  } while (n > 0);
  return id;
}

/** A VCD reference is one token: whitespace would end it. */
function token(name: string): string {
  return name.replace(/\s+/g, "_");
}

/**
 * Value Change Dump (IEEE 1364-2005 §18) for waveform viewers such as GTKWave: every `signal`
 * event whose track names a declared wire becomes a value change, with a 1 ns timescale. VCD
 * declares its wires before the first change, so the header is written when the sink is
 * attached, from the signals the devices declared (or the list given); `signal` events on other
 * wires are counted in `undeclared` and skipped. A wire's value is written once per time step,
 * when the step ends, and only if it changed: a level set and cleared within the same
 * nanosecond leaves no trace, as in a simulator's dump.
 */
export class VcdSink implements TraceSink {
  private readonly out: ByteWriter;
  private readonly wires = new Map<string, Wire>();
  private readonly selection: EventSelection;
  private readonly explicit: readonly VcdSignal[] | undefined;
  private readonly comment: string;
  /** Per event id: the wire each track value drives (null: not a declared wire). */
  private readonly routes: Map<TraceArg | undefined, Wire | null>[] = [];
  /** The time step being collected, and the wires it changed. */
  private time = 0;
  private readonly changed: Wire[] = [];
  private started = false;
  undeclared = 0;

  /** `new VcdSink(out, options)`, or `new VcdSink(out, signals, comment)` with the wires listed. */
  constructor(output: TextOutput, signalsOrOptions: readonly VcdSignal[] | VcdOptions = {}, comment?: string) {
    this.out = new ByteWriter(output);
    const o: VcdOptions = isSignalList(signalsOrOptions) ? { signals: signalsOrOptions, ...(comment === undefined ? {} : { comment }) } : signalsOrOptions;
    this.selection = new EventSelection(o.filter);
    this.comment = o.comment ?? "vplat";
    this.explicit = o.signals;
    if (this.explicit !== undefined) this.start(this.explicit, 0);
  }

  /** Bytes held and not yet handed to the output (at most 64 KiB). */
  get buffered(): number {
    return this.out.buffered;
  }

  /** The declared wires by dotted name (for tests and tools). */
  get declared(): readonly string[] {
    return [...this.wires.keys()];
  }

  open(info: TraceInfo): void {
    if (this.started) return;
    const signals: VcdSignal[] = [];
    for (const d of info.signals) {
      if (!this.selection.accepts(d.ev)) continue;
      const initial = d.value();
      signals.push({ name: trackName(d.ev, d.track), width: d.ev.width, type: d.ev.vcd, ...(initial === undefined ? {} : { initial }) });
    }
    this.start(signals, info.now);
  }

  record(t: number, ev: TraceEvent, args: readonly TraceArg[]): void {
    if (ev.kind !== "signal") return;
    if (!this.started) this.start([], t);
    const key = ev.track >= 0 ? args[ev.track] : undefined;
    let routes = this.routes[ev.id];
    if (routes === undefined) {
      routes = new Map();
      this.routes[ev.id] = routes;
    }
    let wire = routes.get(key);
    if (wire === undefined) {
      wire = this.selection.accepts(ev) ? (this.wires.get(trackName(ev, key)) ?? null) : null;
      routes.set(key, wire);
    }
    if (wire === null) {
      this.undeclared++;
      return;
    }
    const raw = args[args.length - 1];
    const value = typeof raw === "number" ? raw : typeof raw === "bigint" ? Number(raw) : Number.NaN;
    if (t !== this.time) {
      this.endStep();
      this.time = t;
    }
    wire.next = value;
    if (!wire.changed) {
      wire.changed = true;
      this.changed.push(wire);
    }
  }

  close(): void {
    if (!this.started) this.start([], 0);
    this.endStep();
    this.out.flush();
  }

  /** Writes the wires the current step left at a new value, under its `#time`. */
  private endStep(): void {
    let stamped = false;
    for (const w of this.changed) {
      w.changed = false;
      if (same(w.next, w.value)) continue;
      w.value = w.next;
      if (!stamped) {
        this.out.text(`#${this.time}\n`);
        stamped = true;
      }
      this.out.text(change(w, w.value ?? Number.NaN));
    }
    this.changed.length = 0;
  }

  private start(signals: readonly VcdSignal[], now: number): void {
    this.started = true;
    signals.forEach((s, i) => {
      const type = s.type ?? "wire";
      const width = type === "integer" ? 32 : s.width;
      if (!Number.isInteger(width) || width < 1 || width > 64) throw new RangeError(`VCD signal ${s.name}: width ${s.width} is not 1..64`);
      if (this.wires.has(s.name)) throw new RangeError(`VCD signal ${s.name} declared twice`);
      this.wires.set(s.name, { id: identifier(i), width, value: s.initial, next: s.initial, changed: false });
    });
    this.out.text(`$comment ${this.comment} $end\n$version vplat $end\n$timescale 1 ns $end\n`);
    this.writeScope("", scopeTree(signals), 0);
    this.out.text(`$enddefinitions $end\n#${now}\n$dumpvars\n`);
    for (const w of this.wires.values()) this.out.text(change(w, w.value ?? Number.NaN));
    this.out.text(`$end\n`);
    this.time = now;
  }

  private writeScope(name: string, scope: Scope, depth: number): void {
    if (depth > 0) this.out.text(`$scope module ${token(name)} $end\n`);
    for (const { leaf, signal } of scope.vars) {
      const w = this.wires.get(signal.name)!;
      this.out.text(`$var ${signal.type ?? "wire"} ${w.width} ${w.id} ${token(leaf)} $end\n`);
    }
    for (const [child, sub] of scope.scopes) this.writeScope(child, sub, depth + 1);
    if (depth > 0) this.out.text(`$upscope $end\n`);
  }
}

/** Equal values, an unknown (NaN or undefined) equal to another unknown. */
function same(a: number | undefined, b: number | undefined): boolean {
  const ua = a === undefined || Number.isNaN(a);
  const ub = b === undefined || Number.isNaN(b);
  return ua || ub ? ua && ub : a === b;
}

function isSignalList(x: readonly VcdSignal[] | VcdOptions): x is readonly VcdSignal[] {
  return Array.isArray(x);
}

/** The dotted names as a tree of scopes, in order of first appearance; top-level wires go to module `top`. */
function scopeTree(signals: readonly VcdSignal[]): Scope {
  const root: Scope = { scopes: new Map(), vars: [] };
  for (const s of signals) {
    const parts = s.name.split(".");
    const leaf = parts.pop()!;
    if (parts.length === 0) parts.push("top");
    let scope = root;
    for (const p of parts) {
      let next = scope.scopes.get(p);
      if (next === undefined) {
        next = { scopes: new Map(), vars: [] };
        scope.scopes.set(p, next);
      }
      scope = next;
    }
    scope.vars.push({ leaf, signal: s });
  }
  return root;
}

/** One value change: `1!` for a 1-bit wire, `b101 "` for a vector, `x`/`bx` for an unknown value. */
function change(wire: Wire, value: number): string {
  if (!Number.isFinite(value)) return wire.width === 1 ? `x${wire.id}\n` : `bx ${wire.id}\n`;
  if (wire.width === 1) return `${value !== 0 ? 1 : 0}${wire.id}\n`;
  const v = Math.trunc(value);
  const bits = v >= 0 && v < 2 ** wire.width && v <= Number.MAX_SAFE_INTEGER ? v.toString(2) : BigInt.asUintN(wire.width, BigInt(v)).toString(2);
  return `b${bits} ${wire.id}\n`;
}

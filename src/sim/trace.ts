/**
 * Tracing: typed events declared once (like QEMU's trace-events files), recorded with their
 * virtual time and fanned out to sinks (memory ring, JSON lines, Perfetto JSON, VCD).
 *
 * Call sites guard every emission with `if (tracer.on)`, so a disabled trace point costs one
 * field load and a branch; arguments are not even evaluated.
 *
 * Every event lands on a *track*: a CPU, an HPET timer, a GCE thread, an interrupt line. The
 * catalogue says which argument names the track (`track: "cpu{cpu}"`), which group of tracks it
 * belongs to (a Perfetto process, default the category) and how a slice is titled
 * (`label: "packet {pc}"`), so that sinks can lay the events out without knowing the devices.
 * The layout is described in docs/traces.md.
 */

export type TraceArg = number | string | bigint;

/**
 * How an event is drawn:
 * - `instant`: a point on its track;
 * - `begin` / `end`: a slice on its track (matched by order, as in Perfetto's B/E);
 * - `counter`: a numeric value over time (the last argument is the value);
 * - `signal`: a wire for waveform viewers (the last argument is its value); also a counter in Perfetto.
 */
export type TraceKind = "instant" | "begin" | "end" | "counter" | "signal";

/** How a `signal` is declared in a VCD file (IEEE 1364 §18.2.3.8 var_type). */
export type VcdVarType = "wire" | "integer";

export interface ArgSpec {
  readonly name: string;
  /** Printed as hexadecimal in text traces. */
  readonly hex: boolean;
}

export interface TraceEvent<A extends readonly TraceArg[] = readonly TraceArg[]> {
  /** Dense number of the event in this process (declaration order): sinks index their per-event tables by it. */
  readonly id: number;
  readonly name: string;
  readonly category: string;
  readonly kind: TraceKind;
  readonly args: readonly ArgSpec[];
  /** Index of the argument that names the track (a CPU, a timer, a line), or -1 for the category's main track. */
  readonly track: number;
  /** Text around the track argument's value in the track name (`hpet.timer` + 0 + ``). */
  readonly trackPrefix: string;
  readonly trackSuffix: string;
  /** The group of tracks the event's track belongs to (a Perfetto process); the category unless declared. */
  readonly group: string;
  /** The title of the event's slice or instant: literal text and argument indexes; `null` means the event name. */
  readonly label: readonly (string | number)[] | null;
  /** For `signal` events: the wire's width in bits (32 for an `integer`). */
  readonly width: number;
  /** For `signal` events: how a VCD file declares the wire. */
  readonly vcd: VcdVarType;
  /** Type-level only: the argument tuple. */
  readonly __args?: A;
}

export interface EventOptions {
  /**
   * The track: the name of the argument whose value names it (`"cpu"`), or a template with that
   * one argument in braces (`"hpet.timer{timer}"`, `"{thread}.state"`).
   */
  readonly track?: string;
  /** The group the track belongs to (default: the category). */
  readonly group?: string;
  /** Title of the slice or instant, with arguments in braces (`"packet {pc}"`); default the event name. */
  readonly label?: string;
  /** Bits of a `signal` (default 1). */
  readonly width?: number;
  /** VCD declaration of a `signal` (default `wire`; `integer` is 32 bits). */
  readonly vcd?: VcdVarType;
}

interface Spec<A extends readonly TraceArg[]> {
  readonly kind: TraceKind;
  readonly args: readonly string[];
  readonly options?: EventOptions;
  readonly __args?: A;
}

/**
 * Declares an event's shape. Arguments are named; a `:x` suffix prints the argument in hex
 * (`ev<[addr: number, val: number]>("instant", ["addr:x", "val:x"])`).
 */
export function ev<A extends readonly TraceArg[]>(kind: TraceKind, args: readonly string[], options?: EventOptions): Spec<A> {
  return options === undefined ? { kind, args } : { kind, args, options };
}

type Catalogue<S> = { readonly [K in keyof S]: S[K] extends Spec<infer A> ? TraceEvent<A> : never };

/** Keys a JSON-lines record uses itself (docs/traces.md); an argument may not take them. */
const RESERVED_ARGS = new Set(["t", "cat", "ev"]);

let nextEventId = 0;

/** Splits `"packet {pc}"` into literal text and argument indexes; throws on an unknown argument. */
function parseTemplate(event: string, what: string, template: string, args: readonly ArgSpec[]): (string | number)[] {
  const parts: (string | number)[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (const m of template.matchAll(re)) {
    const i = args.findIndex((a) => a.name === m[1]);
    if (i < 0) throw new TypeError(`event ${event}: ${what} '${template}' names '${m[1]}', which is not an argument`);
    if (m.index > last) parts.push(template.slice(last, m.index));
    parts.push(i);
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

interface TrackShape {
  readonly track: number;
  readonly trackPrefix: string;
  readonly trackSuffix: string;
}

function trackShape(event: string, track: string | undefined, args: readonly ArgSpec[]): TrackShape {
  if (track === undefined) return { track: -1, trackPrefix: "", trackSuffix: "" };
  const whole = args.findIndex((a) => a.name === track);
  if (whole >= 0) return { track: whole, trackPrefix: "", trackSuffix: "" };
  const bad = () => new TypeError(`event ${event}: track '${track}' is not an argument nor a template with one {argument}`);
  if (!track.includes("{")) throw bad();
  const parts = parseTemplate(event, "track", track, args);
  const at = parts.findIndex((p) => typeof p === "number");
  if (at < 0 || parts.filter((p) => typeof p === "number").length !== 1) throw bad();
  const before = parts.slice(0, at).join("");
  const after = parts.slice(at + 1).join("");
  return { track: parts[at] as number, trackPrefix: before, trackSuffix: after };
}

/** Turns a block of specs into named events of one category (one block per subsystem). */
export function defineEvents<S extends Record<string, Spec<readonly TraceArg[]>>>(category: string, specs: S): Catalogue<S> {
  const out: Record<string, TraceEvent> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const args = spec.args.map((a) => (a.endsWith(":x") ? { name: a.slice(0, -2), hex: true } : { name: a, hex: false }));
    const names = new Set<string>();
    for (const a of args) {
      if (RESERVED_ARGS.has(a.name)) throw new TypeError(`event ${name}: argument name '${a.name}' is reserved (t, cat, ev)`);
      if (names.has(a.name)) throw new TypeError(`event ${name}: argument '${a.name}' declared twice`);
      names.add(a.name);
    }
    const o = spec.options ?? {};
    const shape = trackShape(name, o.track, args);
    if ((spec.kind === "counter" || spec.kind === "signal") && args.length === 0) {
      throw new TypeError(`event ${name}: a ${spec.kind} needs a value argument`);
    }
    const vcd = o.vcd ?? "wire";
    const width = vcd === "integer" ? 32 : (o.width ?? 1);
    if (!Number.isInteger(width) || width < 1 || width > 64) throw new TypeError(`event ${name}: width ${width} is not 1..64`);
    out[name] = Object.freeze({
      id: nextEventId++,
      name,
      category,
      kind: spec.kind,
      args,
      ...shape,
      group: o.group ?? category,
      label: o.label === undefined ? null : Object.freeze(parseTemplate(name, "label", o.label, args)),
      width,
      vcd,
    });
  }
  return out as Catalogue<S>;
}

/** The name of the track an event with track argument `value` lands on (its category when it has none). */
export function trackName(ev: TraceEvent, value: TraceArg | undefined): string {
  if (ev.track < 0 || value === undefined) return ev.category;
  return `${ev.trackPrefix}${formatArg(value, ev.args[ev.track]!.hex)}${ev.trackSuffix}`;
}

/** The title of an event: its `label` with the arguments filled in, or its name. */
export function eventLabel(ev: TraceEvent, args: readonly TraceArg[]): string {
  const label = ev.label;
  if (label === null) return ev.name;
  let s = "";
  for (const p of label) {
    if (typeof p === "string") s += p;
    else {
      const v = args[p];
      s += v === undefined ? "" : formatArg(v, ev.args[p]!.hex);
    }
  }
  return s;
}

/** A wire some device will drive: declared before the run so that a VCD header can list it. */
export interface SignalDecl {
  readonly ev: TraceEvent;
  /** The value of the event's track argument that names the wire. */
  readonly track: TraceArg;
  /** Reads the wire's present value (for a sink attached mid-run); `undefined` when unknown (VCD `x`). */
  readonly value: () => number | undefined;
}

/** What a sink learns when it is attached to a tracer. */
export interface TraceInfo {
  /** Virtual time of the attachment. */
  readonly now: number;
  /** The signals declared so far, in declaration order. */
  readonly signals: readonly SignalDecl[];
}

/** Receives every emitted event. Sinks that write text stream it out in bounded chunks. */
export interface TraceSink {
  /** Called once by `Tracer.attach`, before any event. */
  open?(info: TraceInfo): void;
  record(t: number, ev: TraceEvent, args: readonly TraceArg[]): void;
  /** Flushes and finishes the output (e.g. closes the JSON array); `end` is the virtual time the trace stops. */
  close(end?: number): void;
}

/** The source of virtual time for timestamps (a Clock satisfies it). */
export interface TimeSource {
  readonly now: number;
}

/**
 * Which events a sink keeps: each entry names a category or an event. `include` (when given)
 * keeps only what it names; `exclude` then drops what it names.
 */
export interface EventFilter {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

/** A filter's decision per event, worked out once per event and then one array load. */
export class EventSelection {
  private readonly decided: number[] = [];
  private readonly include: ReadonlySet<string> | null;
  private readonly exclude: ReadonlySet<string>;

  constructor(filter: EventFilter = {}) {
    this.include = filter.include === undefined ? null : new Set(filter.include);
    this.exclude = new Set(filter.exclude ?? []);
  }

  accepts(ev: TraceEvent): boolean {
    const d = this.decided[ev.id];
    if (d !== undefined) return d === 1;
    const named = (set: ReadonlySet<string>) => set.has(ev.category) || set.has(ev.name);
    const ok = (this.include === null || named(this.include)) && !named(this.exclude);
    this.decided[ev.id] = ok ? 1 : 0;
    return ok;
  }
}

const unknown = (): undefined => undefined;

export class Tracer {
  /** True when at least one sink listens. Guard every emission with it. */
  on = false;
  private sinks: TraceSink[] = [];
  private readonly declared: SignalDecl[] = [];
  private readonly wires = new Map<string, SignalDecl>();
  /** Events recorded (for statistics). */
  count = 0;

  constructor(private readonly time: TimeSource) {}

  /** The wires declared so far (see `declareSignal`). */
  get signals(): readonly SignalDecl[] {
    return this.declared;
  }

  /**
   * Declares that `ev` (a `signal`) will be emitted with track argument `track`; `value` reads
   * the wire's present value. Devices declare their wires when they are built, so that a VCD
   * sink attached later can list them in its header and dump their values. Declaring the same
   * wire again is a no-op.
   */
  declareSignal<A extends readonly TraceArg[]>(ev: TraceEvent<A>, track: A[number], value: () => number | undefined = unknown): void {
    if (ev.kind !== "signal") throw new TypeError(`declareSignal: ${ev.name} is a ${ev.kind}, not a signal`);
    const name = trackName(ev, track);
    const seen = this.wires.get(name);
    if (seen !== undefined) {
      if (seen.ev.width !== ev.width || seen.ev.vcd !== ev.vcd) throw new TypeError(`declareSignal: wire ${name} declared again with another shape`);
      return;
    }
    const decl = { ev, track, value };
    this.wires.set(name, decl);
    this.declared.push(decl);
  }

  attach(sink: TraceSink): void {
    sink.open?.({ now: this.time.now, signals: this.declared });
    this.sinks = [...this.sinks, sink];
    this.on = true;
  }

  detach(sink: TraceSink): void {
    this.sinks = this.sinks.filter((s) => s !== sink);
    this.on = this.sinks.length > 0;
  }

  emit<A extends readonly TraceArg[]>(ev: TraceEvent<A>, ...args: A): void {
    const t = this.time.now;
    this.count++;
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i]!.record(t, ev, args);
  }

  /** Closes (at the current virtual time) and detaches every sink. */
  close(): void {
    const end = this.time.now;
    for (const s of this.sinks) s.close(end);
    this.sinks = [];
    this.on = false;
  }
}

/** Formats an argument for text traces. */
export function formatArg(value: TraceArg, hex: boolean): string {
  if (typeof value === "string") return value;
  if (hex) return `0x${value.toString(16)}`;
  return value.toString();
}

/** One event as a text line: `000000001000 hpet hpet_ram_write addr=0x10 val=0x1`. */
export function formatLine(t: number, ev: TraceEvent, args: readonly TraceArg[]): string {
  let line = `${t.toString().padStart(12, "0")} ${ev.category} ${ev.name}`;
  for (let i = 0; i < args.length; i++) {
    const spec = ev.args[i];
    line += ` ${spec?.name ?? `arg${i}`}=${formatArg(args[i]!, spec?.hex ?? false)}`;
  }
  return line;
}

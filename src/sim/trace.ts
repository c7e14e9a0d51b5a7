/**
 * Tracing: typed events declared once (like QEMU's trace-events files), recorded with their
 * virtual time and fanned out to sinks (memory ring, JSON lines, Perfetto JSON, VCD).
 *
 * Call sites guard every emission with `if (tracer.on)`, so a disabled trace point costs one
 * field load and a branch; arguments are not even evaluated.
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

export interface ArgSpec {
  readonly name: string;
  /** Printed as hexadecimal in text traces. */
  readonly hex: boolean;
}

export interface TraceEvent<A extends readonly TraceArg[] = readonly TraceArg[]> {
  readonly name: string;
  readonly category: string;
  readonly kind: TraceKind;
  readonly args: readonly ArgSpec[];
  /** Index of the argument that names the track (a CPU, a timer, a line), or -1 for the category's main track. */
  readonly track: number;
  /** For `signal` events: the wire's width in bits. */
  readonly width: number;
  /** Type-level only: the argument tuple. */
  readonly __args?: A;
}

export interface EventOptions {
  /** The argument that names the track. */
  readonly track?: string;
  /** Bits of a `signal` (default 1). */
  readonly width?: number;
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

/** Turns a block of specs into named events of one category (one block per subsystem). */
export function defineEvents<S extends Record<string, Spec<readonly TraceArg[]>>>(category: string, specs: S): Catalogue<S> {
  const out: Record<string, TraceEvent> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const args = spec.args.map((a) => (a.endsWith(":x") ? { name: a.slice(0, -2), hex: true } : { name: a, hex: false }));
    const trackName = spec.options?.track;
    const track = trackName === undefined ? -1 : args.findIndex((a) => a.name === trackName);
    if (trackName !== undefined && track < 0) throw new TypeError(`event ${name}: track '${trackName}' is not an argument`);
    if ((spec.kind === "counter" || spec.kind === "signal") && args.length === 0) {
      throw new TypeError(`event ${name}: a ${spec.kind} needs a value argument`);
    }
    out[name] = Object.freeze({ name, category, kind: spec.kind, args, track, width: spec.options?.width ?? 1 });
  }
  return out as Catalogue<S>;
}

/** Receives every emitted event. Sinks that write text stream it out in bounded chunks. */
export interface TraceSink {
  record(t: number, ev: TraceEvent, args: readonly TraceArg[]): void;
  /** Flushes and finishes the output (e.g. closes the JSON array). */
  close(): void;
}

/** The source of virtual time for timestamps (a Clock satisfies it). */
export interface TimeSource {
  readonly now: number;
}

export class Tracer {
  /** True when at least one sink listens. Guard every emission with it. */
  on = false;
  private sinks: TraceSink[] = [];
  /** Events recorded (for statistics). */
  count = 0;

  constructor(private readonly time: TimeSource) {}

  attach(sink: TraceSink): void {
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
    for (const s of this.sinks) s.record(t, ev, args);
  }

  /** Closes and detaches every sink. */
  close(): void {
    for (const s of this.sinks) s.close();
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

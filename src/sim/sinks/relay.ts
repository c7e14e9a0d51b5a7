import type { SignalDecl, TraceArg, TraceEvent, TraceInfo, TraceSink } from "../trace.js";

/**
 * A trace relay: `RelaySink` takes the simulation's events and copies them, as compact records,
 * into a shared buffer; `RelayReader` reads them back and hands them to the sink that formats
 * and writes the trace. With the reader on another thread, formatting a streamed trace no
 * longer costs the simulation its time: it pays only for the copy (docs/traces.md, "Writer
 * thread"). The output is the same, byte for byte, as with the sink attached directly.
 *
 * The buffer is a single-producer, single-consumer ring of 8-byte slots after a small header.
 * Positions count slots from the start, modulo 2^32, and the ring's size is a power of two, so
 * a position's slot is `position & mask` and `write − read` (mod 2^32) is the fill level. The
 * writer publishes its position every BATCH slots, at each wait and at the end; the reader
 * publishes its own after each pass. Both use `Atomics`, so the ring works between any two
 * agents that share the buffer: Node worker threads, or Web Workers.
 *
 * Records never wrap: one that does not fit before the end is preceded by a `Wrap` record. An
 * event record is a word of type, argument count and event id, a word of argument tags, the
 * timestamp, then one slot per argument. Strings are interned: the first time a string is seen
 * it is sent as text and gets the next id, and arguments carry the id. Event declarations,
 * the opening (`TraceInfo`) and the closing travel as text (JSON) once each.
 */

/** Header words (Int32). */
const enum Hdr {
  Write = 0,
  Read = 1,
  State = 2,
  ErrorBytes = 3,
  /** 1 once a reader has attached to the buffer. */
  Reader = 4,
}

/** Header states. */
const enum State {
  /** The writer may still send records. */
  Open = 0,
  /** The reader has closed its sink after the writer's last record. */
  Done = 1,
  /** The reader stopped on an error; its message is in the error area. */
  Failed = 2,
  /** The writer gave up on the trace (its run failed): the reader closes its sink and stops. */
  Aborted = 3,
}

const enum Rec {
  Wrap = 1,
  Event = 2,
  /** A piece of text that the next text record continues. */
  Piece = 3,
  /** The next string id's text. */
  String = 4,
  /** An event declaration (JSON of the TraceEvent). */
  Declare = 5,
  /** The TraceInfo, with each signal's initial value (JSON). */
  Open = 6,
  /** The end of the trace; the end time follows in the next slot (NaN: none given). */
  Close = 7,
}

/** Argument tags, two bits each. */
const enum Tag {
  Number = 0,
  String = 1,
  /** A bigint in [0, 2^64), stored as a u64. */
  Uint64 = 2,
  /** Any other bigint, as the id of its decimal text. */
  BigText = 3,
}

const HEADER_BYTES = 32;
/** Room for the reader's error message (UTF-8). */
const ERROR_BYTES = 1024;
/** Where the ring's slots start. */
const DATA_OFFSET = HEADER_BYTES + ERROR_BYTES;
/** Arguments an event may have: 16 two-bit tags fill the tag word. */
const MAX_ARGS = 16;
/** Event ids fit the 22 bits above the type and count. */
const MAX_EVENT_ID = (1 << 22) - 1;
/** Slots written between two publications of the writer's position. */
const BATCH = 2048;
/** How long one wait lasts before the state is checked again, in ms of host time. */
const WAIT_MS = 200;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Bytes of a relay buffer for a ring of `slots` slots (a power of two, at least 1024). */
export function relayBufferBytes(slots: number): number {
  if (!Number.isInteger(slots) || slots < 1024 || (slots & (slots - 1)) !== 0 || slots > 1 << 28) {
    throw new RangeError(`relay ring size must be a power of two from 1024 to 2^28 slots, got ${slots}`);
  }
  return DATA_OFFSET + 8 * slots;
}

/** The default ring: 4 MiB, about 80 000 events of the x86-pc board. */
export const RELAY_SLOTS = 1 << 19;

/** The views both ends take of the buffer. */
class Ring {
  readonly hdr: Int32Array;
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  readonly u64: BigUint64Array;
  readonly bytes: Uint8Array;
  readonly slots: number;
  readonly mask: number;

  constructor(readonly buffer: SharedArrayBuffer | ArrayBuffer) {
    const slots = (buffer.byteLength - DATA_OFFSET) / 8;
    relayBufferBytes(slots);
    this.slots = slots;
    this.mask = slots - 1;
    this.hdr = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.f64 = new Float64Array(buffer, DATA_OFFSET, slots);
    this.i32 = new Int32Array(buffer, DATA_OFFSET, 2 * slots);
    this.u64 = new BigUint64Array(buffer, DATA_OFFSET, slots);
    this.bytes = new Uint8Array(buffer, DATA_OFFSET, 8 * slots);
  }

  /** The reader's error message, when it failed. */
  error(): string | null {
    if (Atomics.load(this.hdr, Hdr.State) !== State.Failed) return null;
    const n = Atomics.load(this.hdr, Hdr.ErrorBytes);
    return decoder.decode(new Uint8Array(this.buffer, HEADER_BYTES, n).slice());
  }
}

/** The thrown error when the reader failed: the writer's way to learn of it. */
export class RelayError extends Error {
  constructor(message: string) {
    super(`trace writer failed: ${message}`);
    this.name = "RelayError";
  }
}

/** Records that reading stopped on `message`: the writer's next wait, or its `close`, throws it. */
export function relayFail(buffer: SharedArrayBuffer | ArrayBuffer, message: string): void {
  const hdr = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  const bytes = encoder.encode(message).subarray(0, ERROR_BYTES);
  new Uint8Array(buffer, HEADER_BYTES, ERROR_BYTES).set(bytes);
  Atomics.store(hdr, Hdr.ErrorBytes, bytes.length);
  setState(hdr, State.Failed);
}

/**
 * Blocks until a reader has attached to `buffer` (a thread started), for at most `timeoutMs` of
 * host time; throws RelayError when the reader failed first or never came.
 */
export function waitForReader(buffer: SharedArrayBuffer, timeoutMs: number): void {
  const ring = new Ring(buffer);
  const hdr = ring.hdr;
  Atomics.wait(hdr, Hdr.Reader, 0, timeoutMs);
  const failed = ring.error();
  if (failed !== null) throw new RelayError(failed);
  if (Atomics.load(hdr, Hdr.Reader) !== 1) throw new RelayError(`no reader attached within ${timeoutMs} ms`);
}

function setState(hdr: Int32Array, state: State): void {
  Atomics.store(hdr, Hdr.State, state);
  Atomics.notify(hdr, Hdr.Read);
  Atomics.notify(hdr, Hdr.Write);
  Atomics.notify(hdr, Hdr.State);
}

export interface RelaySinkOptions {
  /**
   * Runs the reader until it has made room, for a reader on the same thread (tests, hosts
   * without threads). Without it the writer blocks in `Atomics.wait`, which a browser allows
   * only off its main thread.
   */
  readonly drain?: () => void;
}

/** A value of `JSON.stringify` for the signals of a TraceInfo: the track and the initial value. */
interface SignalRecord {
  readonly ev: number;
  readonly track: TraceArg;
  readonly initial: number | null;
}

/**
 * The writing end: a TraceSink that copies each event into the ring. `close` returns once the
 * reader has closed its own sink, so the trace is complete when the tracer is closed.
 */
export class RelaySink implements TraceSink {
  private readonly ring: Ring;
  private readonly hdr: Int32Array;
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  private readonly u64: BigUint64Array;
  private readonly mask: number;
  private readonly slots: number;
  private readonly drain: (() => void) | undefined;
  /**
   * Per event id, 1 once declared to the reader. A typed array: comparing an element of a holey
   * array with `!==` calls a builtin in optimized code (measured, one call per event).
   */
  private declared = new Uint8Array(256);
  private readonly strings = new Map<string, number>();
  private write = 0;
  private published = 0;
  /** The reader's position as last loaded: room is known without an atomic load per event. */
  private read = 0;

  constructor(buffer: SharedArrayBuffer | ArrayBuffer, options: RelaySinkOptions = {}) {
    this.ring = new Ring(buffer);
    this.hdr = this.ring.hdr;
    this.f64 = this.ring.f64;
    this.i32 = this.ring.i32;
    this.u64 = this.ring.u64;
    this.mask = this.ring.mask;
    this.slots = this.ring.slots;
    this.drain = options.drain;
  }

  open(info: TraceInfo): void {
    const signals: SignalRecord[] = info.signals.map((s) => {
      this.declare(s.ev);
      return { ev: s.ev.id, track: argJson(s.track), initial: s.value() ?? null };
    });
    this.text(Rec.Open, JSON.stringify({ now: info.now, signals }));
  }

  record(t: number, ev: TraceEvent, args: readonly TraceArg[]): void {
    const id = ev.id;
    if (id >= this.declared.length || this.declared[id] === 0) this.declare(ev);
    const n = args.length;
    const at = this.reserve(2 + n);
    const f64 = this.f64;
    let tags = 0;
    // One pass over the arguments, straight into the slots; the record counts only once
    // committed, so a string not yet sent leaves it for `recordAfterInterning`.
    for (let i = 0; i < n; i++) {
      const a = args[i]!;
      const slot = at + 2 + i;
      if (typeof a === "number") f64[slot] = a;
      else if (typeof a === "string") {
        const sid = this.strings.get(a);
        if (sid === undefined) return this.recordAfterInterning(t, ev, args);
        f64[slot] = sid;
        tags |= Tag.String << (2 * i);
      } else if (BigInt.asUintN(64, a) === a) {
        // One builtin call, where two bigint comparisons cost twice as much (measured).
        this.u64[slot] = a;
        tags |= Tag.Uint64 << (2 * i);
      } else {
        const sid = this.strings.get(a.toString());
        if (sid === undefined) return this.recordAfterInterning(t, ev, args);
        f64[slot] = sid;
        tags |= Tag.BigText << (2 * i);
      }
    }
    const i32 = this.i32;
    i32[2 * at] = Rec.Event | (n << 5) | (id << 10);
    i32[2 * at + 1] = tags;
    f64[at + 1] = t;
    this.commit(at + 2 + n);
  }

  /** Sends the event's new strings (records of their own, which must precede it), then the event. */
  private recordAfterInterning(t: number, ev: TraceEvent, args: readonly TraceArg[]): void {
    for (const a of args) {
      if (typeof a === "string") this.intern(a);
      else if (typeof a === "bigint" && BigInt.asUintN(64, a) !== a) this.intern(a.toString());
    }
    this.record(t, ev, args);
  }

  close(end?: number): void {
    const at = this.reserve(2);
    this.i32[2 * at] = Rec.Close;
    this.f64[at + 1] = end ?? Number.NaN;
    this.commit(at + 2);
    this.publish();
    this.untilState((s) => s !== State.Open);
  }

  /**
   * Gives up on the trace, for a run that failed: the reader closes its sink and stops. Waits up
   * to `waitMs` of host time for it (so that a writer thread has stopped writing before its file
   * is closed); returns whether it stopped.
   */
  abort(waitMs: number): boolean {
    if (Atomics.compareExchange(this.hdr, Hdr.State, State.Open, State.Aborted) === State.Open) setState(this.hdr, State.Aborted);
    if (waitMs > 0) Atomics.wait(this.hdr, Hdr.State, State.Aborted, waitMs);
    return Atomics.load(this.hdr, Hdr.State) !== State.Aborted;
  }

  private declare(ev: TraceEvent): void {
    if (ev.args.length > MAX_ARGS) throw new RangeError(`trace relay: event ${ev.name} has ${ev.args.length} arguments, at most ${MAX_ARGS} travel`);
    if (ev.id > MAX_EVENT_ID) throw new RangeError(`trace relay: event id ${ev.id} of ${ev.name} exceeds ${MAX_EVENT_ID}`);
    this.text(Rec.Declare, JSON.stringify(ev));
    if (ev.id >= this.declared.length) {
      const grown = new Uint8Array(Math.max(2 * this.declared.length, ev.id + 1));
      grown.set(this.declared);
      this.declared = grown;
    }
    this.declared[ev.id] = 1;
  }

  /** The id of `s`, sending it first when it is new. */
  private intern(s: string): number {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    this.text(Rec.String, s);
    const id = this.strings.size;
    this.strings.set(s, id);
    return id;
  }

  /** Sends text as records of type `type`, in pieces of at most a quarter of the ring. */
  private text(type: Rec, s: string): void {
    const bytes = encoder.encode(s);
    const piece = 2 * this.slots;
    let from = 0;
    do {
      const n = Math.min(piece, bytes.length - from);
      const at = this.reserve(1 + Math.ceil(n / 8));
      this.i32[2 * at] = from + n < bytes.length ? Rec.Piece : type;
      this.i32[2 * at + 1] = n;
      this.ring.bytes.set(bytes.subarray(from, from + n), 8 * (at + 1));
      this.commit(at + 1 + Math.ceil(n / 8));
      from += n;
    } while (from < bytes.length);
  }

  /** The slot where `len` slots fit contiguously, after waiting for the reader if need be. */
  private reserve(len: number): number {
    let w = this.write;
    let at = w & this.mask;
    if (at + len > this.slots) {
      this.room(w, 1);
      this.i32[2 * at] = Rec.Wrap;
      w = (w + this.slots - at) >>> 0;
      this.write = w;
      at = 0;
    }
    this.room(w, len);
    return at;
  }

  /** Returns once `len` slots from position `w` are free. */
  private room(w: number, len: number): void {
    if (((w + len - this.read) >>> 0) > this.slots) this.waitForRoom(w, len);
  }

  /**
   * The slow path of `room`, apart from it: the closure below would otherwise have V8 allocate
   * its context on every call (measured: an allocation per event).
   */
  private waitForRoom(w: number, len: number): void {
    this.read = Atomics.load(this.hdr, Hdr.Read) >>> 0;
    if (((w + len - this.read) >>> 0) <= this.slots) return;
    this.publish();
    this.untilState(() => {
      this.read = Atomics.load(this.hdr, Hdr.Read) >>> 0;
      return ((w + len - this.read) >>> 0) <= this.slots;
    });
  }

  /** Marks the record that ends before slot `end` as written. */
  private commit(end: number): void {
    this.write = (this.write - (this.write & this.mask) + end) >>> 0;
    if (((this.write - this.published) >>> 0) >= BATCH) this.publish();
  }

  private publish(): void {
    this.published = this.write;
    Atomics.store(this.hdr, Hdr.Write, this.write | 0);
    Atomics.notify(this.hdr, Hdr.Write);
  }

  /**
   * Lets the reader run until `ready` holds: in the same thread through `drain`, otherwise by
   * waiting on the header. A reader that failed ends the wait with its error.
   */
  private untilState(ready: (state: number) => boolean): void {
    for (;;) {
      const state = Atomics.load(this.hdr, Hdr.State);
      if (state === State.Failed) throw new RelayError(this.ring.error() ?? "unknown error");
      if (ready(state)) return;
      if (this.drain !== undefined) this.drain();
      else Atomics.wait(this.hdr, Hdr.Read, Atomics.load(this.hdr, Hdr.Read), WAIT_MS);
    }
  }
}

/** A track value as JSON: bigints as their decimal text, tagged. */
function argJson(a: TraceArg): TraceArg {
  return typeof a === "bigint" ? `${a}n` : a;
}

function argFromJson(a: unknown): TraceArg {
  if (typeof a === "string" && /^-?\d+n$/.test(a)) return BigInt(a.slice(0, -1));
  if (typeof a === "string" || typeof a === "number") return a;
  throw new TypeError(`trace relay: unexpected track value ${JSON.stringify(a)}`);
}

/**
 * The reading end: hands every record in the ring to `sink`. `pump` reads what is there;
 * `run` (on its own thread) reads until the writer has closed, then closes the sink.
 */
export class RelayReader {
  private readonly ring: Ring;
  private readonly hdr: Int32Array;
  private readonly events: TraceEvent[] = [];
  private readonly strings: string[] = [];
  /**
   * One arguments array per count, reused from event to event: the sinks behind a reader (the
   * trace file formats) keep no reference to it, and allocating one per event cost the reader
   * a fifth of its time (measured).
   */
  private readonly argv: TraceArg[][] = Array.from({ length: MAX_ARGS + 1 }, (_, n) => new Array<TraceArg>(n).fill(0));
  private pending: Uint8Array[] = [];
  private read = 0;
  private closed = false;

  constructor(
    buffer: SharedArrayBuffer | ArrayBuffer,
    private readonly sink: TraceSink,
  ) {
    this.ring = new Ring(buffer);
    this.hdr = this.ring.hdr;
    Atomics.store(this.hdr, Hdr.Reader, 1);
    Atomics.notify(this.hdr, Hdr.Reader);
  }

  /** True once the writer's closing record has been handed on (the sink is closed). */
  get done(): boolean {
    return this.closed;
  }

  /** Reads every published record; returns how many slots it consumed. */
  pump(): number {
    const w = Atomics.load(this.hdr, Hdr.Write) >>> 0;
    const start = this.read;
    const { i32, f64, mask, slots } = this.ring;
    let r = start;
    while (r !== w && !this.closed) {
      const at = r & mask;
      const head = i32[2 * at]!;
      const type = head & 31;
      let len: number;
      if (type === Rec.Event) len = this.event(at, head);
      else if (type === Rec.Wrap) len = slots - at;
      else if (type === Rec.Close) {
        this.close(f64[at + 1]!);
        len = 2;
      } else len = this.textRecord(at, type);
      r = (r + len) >>> 0;
    }
    this.read = r;
    Atomics.store(this.hdr, Hdr.Read, r | 0);
    Atomics.notify(this.hdr, Hdr.Read);
    return (r - start) >>> 0;
  }

  /** Reads until the writer closes (blocking between batches); records a failure for the writer. */
  run(): void {
    try {
      while (!this.closed) {
        const seen = this.read;
        this.pump();
        if (this.closed) return;
        if (Atomics.load(this.hdr, Hdr.State) === State.Aborted) {
          this.close(Number.NaN);
          return;
        }
        Atomics.wait(this.hdr, Hdr.Write, seen | 0, WAIT_MS);
      }
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  /** Tells the writer that reading stopped on `message`; its next wait or `close` throws. */
  fail(message: string): void {
    relayFail(this.ring.buffer, message);
  }

  private event(at: number, head: number): number {
    const { i32, f64, u64 } = this.ring;
    const n = (head >>> 5) & 31;
    const ev = this.events[head >>> 10];
    if (ev === undefined) throw new Error(`trace relay: event id ${head >>> 10} used before it was declared`);
    const tags = i32[2 * at + 1]!;
    const args = this.argv[n]!;
    for (let i = 0; i < n; i++) {
      const slot = at + 2 + i;
      const tag = (tags >>> (2 * i)) & 3;
      if (tag === Tag.Number) args[i] = f64[slot]!;
      else if (tag === Tag.String) args[i] = this.string(f64[slot]!);
      else if (tag === Tag.Uint64) args[i] = u64[slot]!;
      else args[i] = BigInt(this.string(f64[slot]!));
    }
    this.sink.record(f64[at + 1]!, ev, args);
    return 2 + n;
  }

  private string(id: number): string {
    const s = this.strings[id];
    if (s === undefined) throw new Error(`trace relay: string id ${id} used before it was sent`);
    return s;
  }

  private textRecord(at: number, type: number): number {
    const n = this.ring.i32[2 * at + 1]!;
    const start = 8 * (at + 1);
    this.pending.push(this.ring.bytes.slice(start, start + n));
    const len = 1 + Math.ceil(n / 8);
    if (type === Rec.Piece) return len;
    const text = decoder.decode(concat(this.pending));
    this.pending = [];
    if (type === Rec.String) this.strings.push(text);
    else if (type === Rec.Declare) {
      const ev = JSON.parse(text) as TraceEvent;
      this.events[ev.id] = Object.freeze(ev);
    } else if (type === Rec.Open) this.open(text);
    else throw new Error(`trace relay: unknown record type ${type} at slot ${at}`);
    return len;
  }

  private open(text: string): void {
    const info = JSON.parse(text) as { now: number; signals: SignalRecord[] };
    const signals: SignalDecl[] = info.signals.map((s) => {
      const ev = this.events[s.ev];
      if (ev === undefined) throw new Error(`trace relay: signal of undeclared event ${s.ev}`);
      const initial = s.initial ?? undefined;
      return { ev, track: argFromJson(s.track), value: () => initial };
    });
    this.sink.open?.({ now: info.now, signals });
  }

  private close(end: number): void {
    this.sink.close(Number.isNaN(end) ? undefined : end);
    this.closed = true;
    setState(this.hdr, State.Done);
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

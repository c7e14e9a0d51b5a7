import { formatLine, type TraceArg, type TraceEvent, type TraceSink } from "../trace.js";

export interface RingEntry {
  readonly t: number;
  readonly ev: TraceEvent;
  readonly args: readonly TraceArg[];
}

/**
 * The last `capacity` events in memory, for tests and post-mortems: older events are
 * overwritten, and `dropped` counts them.
 */
export class RingSink implements TraceSink {
  private readonly times: Float64Array;
  private readonly evs: (TraceEvent | undefined)[];
  private readonly argv: (readonly TraceArg[] | undefined)[];
  private head = 0;
  private size = 0;
  dropped = 0;

  constructor(readonly capacity = 65_536) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.times = new Float64Array(capacity);
    this.evs = new Array<TraceEvent | undefined>(capacity).fill(undefined);
    this.argv = new Array<readonly TraceArg[] | undefined>(capacity).fill(undefined);
  }

  record(t: number, ev: TraceEvent, args: readonly TraceArg[]): void {
    const i = (this.head + this.size) % this.capacity;
    this.times[i] = t;
    this.evs[i] = ev;
    this.argv[i] = args;
    if (this.size < this.capacity) this.size++;
    else {
      this.head = (this.head + 1) % this.capacity;
      this.dropped++;
    }
  }

  close(): void {}

  /** The retained events, oldest first. */
  entries(): RingEntry[] {
    const out: RingEntry[] = [];
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) % this.capacity;
      out.push({ t: this.times[i]!, ev: this.evs[i]!, args: this.argv[i]! });
    }
    return out;
  }

  /** The retained events as text lines (the golden-trace format). */
  lines(): string[] {
    return this.entries().map((e) => formatLine(e.t, e.ev, e.args));
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }
}

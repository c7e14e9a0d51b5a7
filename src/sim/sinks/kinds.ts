import type { TraceEvent } from "../trace.js";

/** An event's kind as the Perfetto sinks switch on it: a small integer instead of a string compare per event. */
export const enum Kind {
  Instant,
  Begin,
  End,
  Counter,
  Signal,
}

export const KINDS: Readonly<Record<TraceEvent["kind"], Kind>> = { instant: Kind.Instant, begin: Kind.Begin, end: Kind.End, counter: Kind.Counter, signal: Kind.Signal };

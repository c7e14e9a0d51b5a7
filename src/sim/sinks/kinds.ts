import type { TraceArg, TraceEvent } from "../trace.js";

/** An event's kind as the Perfetto sinks switch on it: a small integer instead of a string compare per event. */
export const enum Kind {
  Instant,
  Begin,
  End,
  Counter,
  Signal,
}

export const KINDS: Readonly<Record<TraceEvent["kind"], Kind>> = { instant: Kind.Instant, begin: Kind.Begin, end: Kind.End, counter: Kind.Counter, signal: Kind.Signal };

/** What a Perfetto sink keeps of a track to decide what an event on it writes. */
export interface TrackState {
  /** Slices begun and not yet ended (B without E). */
  depth: number;
  /** The last value written on a signal's counter (a signal writes only changes). */
  last: TraceArg | undefined;
}

/** What an event writes on its track. */
export const enum Step {
  /** Nothing: an end without a begin, or a signal that did not change. */
  Skip,
  /** A slice begin or end, or an instant. */
  Slice,
  /** A counter value (the event's last argument). */
  Counter,
}

/**
 * The rule both Perfetto sinks follow, so that their traces show the same slices and values:
 * an end closes the innermost open slice or is dropped, and a signal writes only changes.
 * Updates `track` for the event of `kind` whose last argument is `value`.
 */
export function trackStep(kind: Kind, track: TrackState, value: TraceArg | undefined): Step {
  switch (kind) {
    case Kind.Instant:
      return Step.Slice;
    case Kind.Begin:
      track.depth++;
      return Step.Slice;
    case Kind.End:
      if (track.depth === 0) return Step.Skip;
      track.depth--;
      return Step.Slice;
    case Kind.Signal:
      if (value === track.last) return Step.Skip;
      track.last = value;
      return Step.Counter;
    case Kind.Counter:
      return Step.Counter;
  }
}

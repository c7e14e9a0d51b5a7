/**
 * The clock: virtual time and the one event queue every device and kernel layer schedules on.
 *
 * Timers are created once and re-armed many times (QEMU timer_new_ns / timer_mod / timer_del,
 * jsbeeb's preallocated tasks). The queue is a binary min-heap ordered by (deadline, arm
 * sequence), so timers due at the same nanosecond fire in the order they were armed, and a
 * callback always sees `clock.now === deadline`.
 *
 * Firing does not pop the heap first. The firing timer stays at the root while its callback
 * runs (every timer armed meanwhile is due at `now` or later with a larger sequence, so none can
 * overtake it). If the callback re-arms it, it simply sinks from the root to its new place; if
 * not, it is removed when the callback returns. A self re-arming timer, the common case, thus
 * costs one sift instead of two.
 */
import { TimeError, type Ns } from "./time.js";

const enum State {
  Idle,
  Queued,
  /** Its callback is running and it has not been re-armed: it still holds the root with its old key. */
  Firing,
}

export type TimerCallback = () => void;

export class Timer {
  /** Position in the heap while queued or firing. */
  index = -1;
  deadline = 0;
  seq = 0;
  state: State = State.Idle;

  constructor(
    private readonly clock: Clock,
    readonly name: string,
    readonly callback: TimerCallback,
  ) {}

  /** Arms (or re-arms) the timer to fire at absolute virtual time `deadline`. */
  mod(deadline: number): void {
    this.clock.arm(this, deadline);
  }

  /** Arms the timer `delay` ns from now. */
  modIn(delay: number): void {
    this.clock.arm(this, this.clock.now + delay);
  }

  /** Disarms the timer; harmless if it is not armed. */
  del(): void {
    this.clock.disarm(this);
  }

  /** True while armed and not yet fired. */
  get pending(): boolean {
    return this.state === State.Queued;
  }

  /** The deadline the timer will fire at, if pending. */
  get expires(): Ns | undefined {
    return this.state === State.Queued ? (this.deadline as Ns) : undefined;
  }
}

/** Why `run` returned. */
export type RunResult = "until" | "idle" | "stopped" | "limit";

export class Clock {
  private time = 0;
  private seq = 0;
  private readonly heap: Timer[] = [];
  /**
   * The timer whose callback is running (or ran last, until settled). Every entry point settles
   * it first, so a callback that throws or runs the clock itself (a busy-wait) leaves no mess.
   */
  private firing: Timer | null = null;
  private stopRequested = false;
  /** Events fired since creation (for statistics and speed reports). */
  fired = 0;

  /** Current virtual time in nanoseconds. */
  get now(): Ns {
    return this.time as Ns;
  }

  /** Creates a timer; it is idle until `mod` arms it. */
  newTimer(name: string, callback: TimerCallback): Timer {
    return new Timer(this, name, callback);
  }

  /** The earliest pending deadline, or undefined when nothing is queued. */
  nextDeadline(): Ns | undefined {
    this.settleFiring();
    const top = this.heap[0];
    return top === undefined ? undefined : (top.deadline as Ns);
  }

  /** Number of pending timers. */
  get pendingCount(): number {
    this.settleFiring();
    return this.heap.length;
  }

  /** Asks a running `run`/`runUntilIdle` to return after the current event. */
  stop(): void {
    this.stopRequested = true;
  }

  /** Fires the earliest timer, advancing time to its deadline. Returns false when the queue is empty. */
  step(): boolean {
    this.settleFiring();
    if (this.heap.length === 0) return false;
    this.fire(this.heap[0]!);
    this.settleFiring();
    return true;
  }

  /**
   * Fires every timer due at or before `until`, then sets the time to `until`.
   * Returns early with "stopped" when a callback calls `stop()` (time stays at that event).
   */
  run(until: number): RunResult {
    if (until < this.time) throw new TimeError(`cannot run backwards from ${this.time} to ${until} ns`);
    if (!Number.isSafeInteger(until)) throw new TimeError(`run(until) needs a safe integer, got ${until}`);
    this.stopRequested = false;
    const heap = this.heap;
    for (;;) {
      this.settleFiring();
      const top = heap[0];
      if (top === undefined || top.deadline > until) break;
      this.fire(top);
      if (this.stopRequested) {
        this.settleFiring();
        return "stopped";
      }
    }
    this.time = until;
    return "until";
  }

  /** Advances by `delta` ns, firing everything due on the way. */
  advance(delta: number): RunResult {
    return this.run(this.time + delta);
  }

  /**
   * Fires events until none is pending, `stop()` is called, `stopWhen()` turns true, or
   * `maxEvents` have fired (self re-arming timers would otherwise never let it return).
   */
  runUntilIdle(maxEvents = Number.MAX_SAFE_INTEGER, stopWhen?: () => boolean): RunResult {
    this.stopRequested = false;
    const heap = this.heap;
    for (let n = 0; n < maxEvents; n++) {
      this.settleFiring();
      if (stopWhen?.()) return "stopped";
      const top = heap[0];
      if (top === undefined) return "idle";
      this.fire(top);
      if (this.stopRequested) {
        this.settleFiring();
        return "stopped";
      }
    }
    this.settleFiring();
    return "limit";
  }

  private fire(t: Timer): void {
    this.time = t.deadline;
    t.state = State.Firing;
    this.firing = t;
    this.fired++;
    t.callback();
  }

  /** @internal Called by Timer.mod. */
  arm(t: Timer, deadline: number): void {
    if (!(deadline >= this.time) || !Number.isSafeInteger(deadline)) {
      throw new TimeError(`timer '${t.name}' armed at ${deadline} ns, before now (${this.time} ns) or not a safe integer`);
    }
    const seq = this.seq++;
    const state = t.state;
    if (state === State.Idle) {
      t.deadline = deadline;
      t.seq = seq;
      t.state = State.Queued;
      this.push(t);
      return;
    }
    // Queued, or Firing at the root: either way it is in the heap and moves to its new key.
    const earlier = deadline < t.deadline;
    t.deadline = deadline;
    t.seq = seq;
    t.state = State.Queued;
    if (earlier) this.siftUp(t.index);
    else this.siftDown(t.index);
  }

  /** @internal Called by Timer.del. */
  disarm(t: Timer): void {
    if (t.state === State.Idle) return;
    this.removeAt(t.index);
    t.state = State.Idle;
  }

  /** Removes the timer whose callback ran last, unless the callback re-armed or cancelled it. */
  private settleFiring(): void {
    const t = this.firing;
    if (t === null) return;
    this.firing = null;
    if (t.state === State.Firing) {
      this.removeAt(t.index);
      t.state = State.Idle;
    }
  }

  private push(t: Timer): void {
    const i = this.heap.length;
    this.heap.push(t);
    t.index = i;
    this.siftUp(i);
  }

  private removeAt(i: number): void {
    const heap = this.heap;
    const removed = heap[i]!;
    const last = heap.pop()!;
    removed.index = -1;
    if (last === removed) return;
    heap[i] = last;
    last.index = i;
    this.siftUp(i);
    this.siftDown(last.index);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const t = heap[i]!;
    const d = t.deadline;
    const s = t.seq;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.deadline < d || (p.deadline === d && p.seq < s)) break;
      heap[i] = p;
      p.index = i;
      i = parent;
    }
    heap[i] = t;
    t.index = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const t = heap[i]!;
    const d = t.deadline;
    const s = t.seq;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let c = heap[child]!;
      const right = child + 1;
      if (right < n) {
        const r = heap[right]!;
        if (r.deadline < c.deadline || (r.deadline === c.deadline && r.seq < c.seq)) {
          child = right;
          c = r;
        }
      }
      if (d < c.deadline || (d === c.deadline && s < c.seq)) break;
      heap[i] = c;
      c.index = i;
      i = child;
    }
    heap[i] = t;
    t.index = i;
  }
}

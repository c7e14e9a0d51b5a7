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
 *
 * Performance (bench/eventq.ts, against the same heap in C): the loop from `runUntilIdle` down
 * to the sift is compiled as one function, so every load, check and store on it counts. Timer
 * states are plain numbers, not an enum, because with `isolatedModules` an enum member is a
 * property load at each use.
 */
import { TimeError, type Ns } from "./time.js";

/** Not in the queue. */
const IDLE = 0;
/** In the queue, waiting for its deadline. */
const QUEUED = 1;
/** Its callback is running and it has not been re-armed: it still holds the root with its old key. */
const FIRING = 2;
type State = typeof IDLE | typeof QUEUED | typeof FIRING;

/**
 * What a timer runs when it fires. It is given the timer (as C timer lists pass their `opaque`),
 * so one function can serve many timers and re-arm the one that fired.
 */
export type TimerCallback = (timer: Timer) => void;

export class Timer {
  /** Position in the heap while queued or firing. */
  index = -1;
  deadline = 0;
  seq = 0;
  state: State = IDLE;

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
    return this.state === QUEUED;
  }

  /** The deadline the timer will fire at, if pending. */
  get expires(): Ns | undefined {
    return this.state === QUEUED ? (this.deadline as Ns) : undefined;
  }
}

/** Why `run` returned. */
export type RunResult = "until" | "idle" | "stopped" | "limit";

export class Clock {
  private time = 0;
  private seq = 0;
  private readonly heap: Timer[] = [];
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
    const top = this.heap[0];
    if (top === undefined) return false;
    this.fire(top);
    return true;
  }

  /**
   * Fires every timer due at or before `until`, then sets the time to `until`.
   * Returns early with "stopped" when a callback calls `stop()` (time stays at that event).
   */
  run(until: number): RunResult {
    if (until < this.time) throw new TimeError(`cannot run backwards from ${this.time} to ${until} ns`);
    if (!Number.isSafeInteger(until)) throw new TimeError(`run(until) needs a safe integer, got ${until}`);
    this.settleFiring();
    this.stopRequested = false;
    const heap = this.heap;
    for (;;) {
      const top = heap[0];
      if (top === undefined || top.deadline > until) break;
      this.fire(top);
      if (this.stopRequested) return "stopped";
    }
    // A callback that busy-waited (a nested run) may have taken time past `until`: time never goes back.
    if (this.time < until) this.time = until;
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
    this.settleFiring();
    this.stopRequested = false;
    const heap = this.heap;
    for (let n = 0; n < maxEvents; n++) {
      if (stopWhen !== undefined && stopWhen()) return "stopped";
      const top = heap[0];
      if (top === undefined) return "idle";
      this.fire(top);
      if (this.stopRequested) return "stopped";
    }
    return "limit";
  }

  /**
   * Runs the callback of `t`, the root. If the callback neither re-armed nor cancelled it, it
   * still holds the root and leaves the queue now. If the callback threw, or ran the clock itself
   * (a busy-wait), the entry points settle it instead (`settleFiring`).
   */
  private fire(t: Timer): void {
    this.time = t.deadline;
    t.state = FIRING;
    this.fired++;
    t.callback(t);
    if (t.state === FIRING) this.removeFired(t);
  }

  /**
   * A timer still marked firing belongs to a callback that threw, or to one that is still
   * running and has called into the clock (a nested run): it leaves the queue here. It is
   * always the root, since everything armed during its callback sorts after it.
   */
  private settleFiring(): void {
    const top = this.heap[0];
    if (top !== undefined && top.state === FIRING) this.removeFired(top);
  }

  private removeFired(t: Timer): void {
    this.removeAt(t.index);
    t.state = IDLE;
  }

  /** @internal Called by Timer.mod. */
  arm(t: Timer, deadline: number): void {
    if (!(deadline >= this.time) || !Number.isSafeInteger(deadline)) {
      throw new TimeError(`timer '${t.name}' armed at ${deadline} ns, before now (${this.time} ns) or not a safe integer`);
    }
    const seq = this.seq++;
    if (t.state === IDLE) {
      t.deadline = deadline;
      t.seq = seq;
      t.state = QUEUED;
      this.push(t);
      return;
    }
    // Queued, or firing at the root: either way it is in the heap and moves to its new key.
    const earlier = deadline < t.deadline;
    t.deadline = deadline;
    t.seq = seq;
    t.state = QUEUED;
    if (earlier) this.siftUp(t, t.index);
    else this.siftDown(t, t.index);
  }

  /** @internal Called by Timer.del. */
  disarm(t: Timer): void {
    if (t.state === IDLE) return;
    this.removeAt(t.index);
    t.state = IDLE;
  }

  private push(t: Timer): void {
    const i = this.heap.length;
    this.heap.push(t);
    this.siftUp(t, i);
  }

  private removeAt(i: number): void {
    const heap = this.heap;
    const removed = heap[i]!;
    const last = heap.pop()!;
    removed.index = -1;
    if (last === removed) return;
    this.siftUp(last, i);
    this.siftDown(last, last.index);
  }

  /** Moves `t`, whose key may have decreased, from slot `i` towards the root. */
  private siftUp(t: Timer, i: number): void {
    const heap = this.heap;
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

  /** Moves `t`, whose key may have increased, from slot `i` towards the leaves. */
  private siftDown(t: Timer, i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const d = t.deadline;
    const s = t.seq;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n) {
        // Which child is earlier is a coin toss the CPU cannot predict, and a mispredicted branch
        // costs more than the whole comparison: the choice is added to the index instead of
        // branched on. Equal deadlines are rare, so their test predicts well.
        const l = heap[child]!;
        const r = heap[child + 1]!;
        let rightFirst = r.deadline < l.deadline;
        if (r.deadline === l.deadline) rightFirst = r.seq < l.seq;
        child += Number(rightFirst);
      }
      const c = heap[child]!;
      const cd = c.deadline;
      if (d < cd || (d === cd && s < c.seq)) break;
      heap[i] = c;
      c.index = i;
      i = child;
    }
    heap[i] = t;
    t.index = i;
  }
}

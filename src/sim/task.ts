/**
 * Blocking in virtual time: generator coroutines.
 *
 * Kernel paths that sleep (`msleep`, `wait_for_completion_timeout`, a `cmdq_pkt_flush` waiting
 * for its packet) are written as generator functions and called with `yield*`, so the point
 * where code may block is visible in its type (`Co<T>`) and at every call site, like
 * `might_sleep()`. A `Task` runs one such generator; when it yields a wait, the task is parked
 * on a `WaitQueue` and/or its own timer, and is resumed by a clock event, never from inside the
 * code that woke it. Everything runs synchronously on the clock's event loop, so the order of
 * resumption is fully determined by the event queue (see docs/blocking.md for the choice).
 */
import type { Clock, Timer } from "./clock.js";
import { TimeError } from "./time.js";

/** How a wait ended. */
export const enum Wake {
  Signalled = 0,
  TimedOut = 1,
}

/** What a coroutine yields: read immediately by the task that runs it. */
export interface WaitRequest {
  queue: WaitQueue | null;
  /** Absolute deadline in ns, or -1 to wait without a timeout. */
  deadline: number;
}

/** A blocking computation returning T. Call it with `yield*` from another `Co`. */
export type Co<T = void> = Generator<WaitRequest, T, Wake>;

// One request object serves every wait: the running task copies it out as soon as it is yielded.
const request: WaitRequest = { queue: null, deadline: -1 };

/** The task whose generator is executing, if any (kernel code asks "who am I", like `current`). */
let running: Task | null = null;

export function currentTask(): Task | null {
  return running;
}

/**
 * Blocks until `queue` is woken or, when `deadline` ≥ 0, until the clock reaches that absolute
 * time, whichever comes first; returns which.
 */
export function* wait(queue: WaitQueue | null, deadline: number): Co<Wake> {
  request.queue = queue;
  request.deadline = deadline;
  return yield request;
}

/** Blocks for `delta` ns of virtual time. */
export function* sleep(clock: Clock, delta: number): Co {
  // Yields directly rather than through wait(): one generator per sleep, not two.
  request.queue = null;
  request.deadline = clock.now + delta;
  yield request;
}

/** A FIFO of parked tasks, like Linux's wait_queue_head_t. */
export class WaitQueue {
  private readonly waiters: Task[] = [];

  get length(): number {
    return this.waiters.length;
  }

  /** Wakes the longest-waiting task. Returns false when none was waiting. */
  wakeOne(): boolean {
    const t = this.waiters.shift();
    if (t === undefined) return false;
    t.resumeSoon(Wake.Signalled);
    return true;
  }

  /** Wakes every waiting task, in the order they started waiting. */
  wakeAll(): number {
    const n = this.waiters.length;
    for (let i = 0; i < n; i++) this.waiters[i]!.resumeSoon(Wake.Signalled);
    this.waiters.length = 0;
    return n;
  }

  /** @internal */
  enqueue(t: Task): void {
    this.waiters.push(t);
  }

  /** @internal */
  remove(t: Task): void {
    const i = this.waiters.indexOf(t);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}

/**
 * A counted completion (Linux `struct completion`): `complete()` releases one waiter or banks a
 * token for the next one; `completeAll()` releases everybody now and later.
 */
export class Completion {
  private done = 0;
  private readonly queue = new WaitQueue();

  get isDone(): boolean {
    return this.done > 0;
  }

  complete(): void {
    if (this.done !== Number.MAX_SAFE_INTEGER) this.done++;
    this.queue.wakeOne();
  }

  completeAll(): void {
    this.done = Number.MAX_SAFE_INTEGER;
    this.queue.wakeAll();
  }

  reinit(): void {
    this.done = 0;
  }

  /**
   * Waits until completed or until `deadline` (absolute ns; -1 = forever).
   * Returns true when completed, false on timeout.
   */
  *wait(deadline = -1): Co<boolean> {
    // Tokens may be stolen between the wake-up and the resumption; loop as Linux's do_wait_for_common.
    while (this.done === 0) {
      if ((yield* wait(this.queue, deadline)) === Wake.TimedOut) return this.consume();
    }
    return this.consume();
  }

  private consume(): boolean {
    if (this.done === 0) return false;
    if (this.done !== Number.MAX_SAFE_INTEGER) this.done--;
    return true;
  }
}

export class TaskError extends Error {
  override readonly name = "TaskError";
}

const enum TaskState {
  Runnable,
  Waiting,
  Done,
}

/** A coroutine scheduled on the clock. It starts at the next event boundary after `spawn`. */
export class Task<T = unknown> {
  private state = TaskState.Runnable;
  private queue: WaitQueue | null = null;
  private reason: Wake = Wake.Signalled;
  private readonly timer: Timer;
  private resultValue: T | undefined;
  /** Tasks joined on this one. */
  readonly exited = new Completion();
  /** Number of times the task blocked (for statistics). */
  waits = 0;

  constructor(
    private readonly clock: Clock,
    readonly name: string,
    private readonly body: Co<T>,
  ) {
    this.timer = clock.newTimer(`task:${name}`, () => this.onTimer());
    this.timer.mod(clock.now);
  }

  get done(): boolean {
    return this.state === TaskState.Done;
  }

  /** The generator's return value once `done`. */
  get result(): T | undefined {
    return this.resultValue;
  }

  /** Waits (from another task) until this one has returned. */
  *join(): Co<T | undefined> {
    if (!this.done) yield* this.exited.wait();
    return this.resultValue;
  }

  /**
   * Wakes the task if it is waiting, whatever it waits on (Linux wake_up_process): it leaves its
   * queue and resumes at the next event boundary with `reason`. Returns false if it was not waiting.
   */
  wakeUp(reason: Wake = Wake.Signalled): boolean {
    if (this.state !== TaskState.Waiting) return false;
    this.queue?.remove(this);
    this.resumeSoon(reason);
    return true;
  }

  /** @internal Wake-up from a WaitQueue: resume at the next event boundary at the current time. */
  resumeSoon(reason: Wake): void {
    if (this.state !== TaskState.Waiting) return;
    this.queue = null;
    this.reason = reason;
    this.state = TaskState.Runnable;
    this.timer.mod(this.clock.now);
  }

  private onTimer(): void {
    if (this.state === TaskState.Waiting) {
      // The deadline passed before anybody woke us.
      this.queue?.remove(this);
      this.queue = null;
      this.reason = Wake.TimedOut;
      this.state = TaskState.Runnable;
    }
    if (this.state === TaskState.Runnable) this.resume();
  }

  private resume(): void {
    const outer = running;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- `running` is the kernel's `current`, not an alias
    running = this;
    let step: IteratorResult<WaitRequest, T>;
    try {
      step = this.body.next(this.reason);
    } catch (err) {
      this.state = TaskState.Done;
      throw new TaskError(`task '${this.name}' failed at ${this.clock.now} ns: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      running = outer;
    }
    if (step.done === true) {
      this.state = TaskState.Done;
      this.resultValue = step.value;
      this.exited.completeAll();
      return;
    }
    this.park(step.value);
  }

  private park(req: WaitRequest): void {
    const { queue, deadline } = req;
    this.waits++;
    this.state = TaskState.Waiting;
    this.reason = Wake.Signalled;
    if (deadline >= 0) {
      if (deadline < this.clock.now) throw new TimeError(`task '${this.name}' waits until ${deadline} ns, in the past`);
      this.timer.mod(deadline);
    } else if (queue === null) {
      throw new TaskError(`task '${this.name}' waits on nothing and without a deadline: it could never wake`);
    }
    this.queue = queue;
    queue?.enqueue(this);
  }
}

/** Starts `body` as a task at the next event boundary. */
export function spawn<T>(clock: Clock, name: string, body: Co<T>): Task<T> {
  return new Task(clock, name, body);
}

import { describe, expect, it } from "vitest";
import { Clock } from "../../src/sim/clock.js";
import { Completion, TaskError, WaitQueue, Wake, currentTask, sleep, spawn, wait, type Co } from "../../src/sim/task.js";

describe("tasks blocking in virtual time", () => {
  it("interleaves two sleepers by their wake-up times", () => {
    const clock = new Clock();
    const log: string[] = [];
    function* sleeper(name: string, period: number, n: number): Co {
      for (let i = 0; i < n; i++) {
        yield* sleep(clock, period);
        log.push(`${name}@${clock.now}`);
      }
    }
    spawn(clock, "a", sleeper("a", 30, 3));
    spawn(clock, "b", sleeper("b", 20, 4));
    clock.run(1000);
    expect(log).toEqual(["b@20", "a@30", "b@40", "a@60", "b@60", "b@80", "a@90"]);
  });

  it("starts a task at the next event boundary, not inside spawn()", () => {
    const clock = new Clock();
    let started = false;
    spawn(clock, "t", (function* (): Co {
      started = true;
      yield* sleep(clock, 0);
    })());
    expect(started).toBe(false);
    clock.run(0);
    expect(started).toBe(true);
  });

  it("resumes a waiter when a timer callback completes its completion", () => {
    const clock = new Clock();
    const done = new Completion();
    const got: Array<[boolean, number]> = [];
    spawn(clock, "waiter", (function* (): Co {
      const ok = yield* done.wait();
      got.push([ok, clock.now]);
    })());
    clock.newTimer("irq", () => done.complete()).mod(5_000);
    clock.run(10_000);
    expect(got).toEqual([[true, 5_000]]);
  });

  it("ends a wait at its deadline when nothing completes it", () => {
    const clock = new Clock();
    const done = new Completion();
    const got: Array<[boolean, number]> = [];
    spawn(clock, "waiter", (function* (): Co {
      const ok = yield* done.wait(clock.now + 1_000);
      got.push([ok, clock.now]);
    })());
    clock.newTimer("too-late", () => done.complete()).mod(2_000);
    clock.run(10_000);
    expect(got).toEqual([[false, 1_000]]);
    expect(done.isDone).toBe(true); // the late completion is banked for the next waiter
  });

  it("banks a completion that comes before the wait, and completeAll releases every waiter", () => {
    const clock = new Clock();
    const early = new Completion();
    early.complete();
    const all = new Completion();
    const log: string[] = [];
    spawn(clock, "early", (function* (): Co {
      log.push(`early:${yield* early.wait(clock.now + 10)}@${clock.now}`);
    })());
    for (const n of ["x", "y", "z"]) {
      spawn(clock, n, (function* (): Co {
        log.push(`${n}:${yield* all.wait()}@${clock.now}`);
      })());
    }
    clock.newTimer("all", () => all.completeAll()).mod(50);
    clock.run(100);
    expect(log).toEqual(["early:true@0", "x:true@50", "y:true@50", "z:true@50"]);
  });

  it("wakes queue waiters in FIFO order and reports why each wait ended", () => {
    const clock = new Clock();
    const q = new WaitQueue();
    const log: string[] = [];
    for (const n of ["first", "second", "third"]) {
      spawn(clock, n, (function* (): Co {
        const why = yield* wait(q, n === "third" ? 15 : -1);
        log.push(`${n}:${why === Wake.Signalled ? "signalled" : "timeout"}@${clock.now}`);
      })());
    }
    clock.newTimer("one", () => q.wakeOne()).mod(10);
    clock.newTimer("rest", () => q.wakeAll()).mod(20);
    clock.run(100);
    expect(log).toEqual(["first:signalled@10", "third:timeout@15", "second:signalled@20"]);
    expect(q.length).toBe(0);
  });

  it("wakes a particular task out of its queue with wakeUp, with the reason given", () => {
    const clock = new Clock();
    const q = new WaitQueue();
    const log: string[] = [];
    const tasks = ["a", "b"].map((n) =>
      spawn(clock, n, (function* (): Co {
        const why = yield* wait(q, -1);
        log.push(`${n}:${why === Wake.TimedOut ? "timeout" : "signalled"}@${clock.now}`);
      })()),
    );
    clock.newTimer("wake-b", () => tasks[1]!.wakeUp(Wake.TimedOut)).mod(10);
    clock.newTimer("wake-a", () => q.wakeOne()).mod(20);
    clock.run(100);
    expect(log).toEqual(["b:timeout@10", "a:signalled@20"]);
    expect(tasks[0]!.wakeUp()).toBe(false);
  });

  it("joins a task and returns its result", () => {
    const clock = new Clock();
    const worker = spawn(clock, "worker", (function* (): Co<number> {
      yield* sleep(clock, 100);
      return 42;
    })());
    let joined: number | undefined;
    spawn(clock, "joiner", (function* (): Co {
      joined = yield* worker.join();
    })());
    clock.run(1_000);
    expect(worker.done).toBe(true);
    expect(joined).toBe(42);
  });

  it("names the running task while its body executes", () => {
    const clock = new Clock();
    const names: Array<string | undefined> = [];
    spawn(clock, "me", (function* (): Co {
      names.push(currentTask()?.name);
      yield* sleep(clock, 1);
      names.push(currentTask()?.name);
    })());
    clock.run(10);
    expect(names).toEqual(["me", "me"]);
    expect(currentTask()).toBeNull();
  });

  it("reports a task that throws with its name and time, and one that could never wake", () => {
    const clock = new Clock();
    spawn(clock, "oops", (function* (): Co {
      yield* sleep(clock, 7);
      throw new Error("boom");
    })());
    expect(() => clock.run(10)).toThrow(/task 'oops' failed at 7 ns: boom/);

    const clock2 = new Clock();
    spawn(clock2, "stuck", (function* (): Co {
      yield* wait(null, -1);
    })());
    expect(() => clock2.run(10)).toThrow(TaskError);
  });
});

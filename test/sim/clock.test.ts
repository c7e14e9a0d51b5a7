import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Clock, type Timer } from "../../src/sim/clock.js";
import { TimeError } from "../../src/sim/time.js";

describe("Clock", () => {
  it("fires timers due at the same nanosecond in the order they were armed", () => {
    const clock = new Clock();
    const order: string[] = [];
    const names = ["c", "a", "d", "b"];
    const timers = names.map((n) => clock.newTimer(n, () => order.push(n)));
    for (const t of timers) t.mod(100);
    clock.run(100);
    expect(order).toEqual(["c", "a", "d", "b"]);
  });

  it("orders by the latest arming when a timer is re-armed to the same deadline", () => {
    const clock = new Clock();
    const order: string[] = [];
    const a = clock.newTimer("a", () => order.push("a"));
    const b = clock.newTimer("b", () => order.push("b"));
    a.mod(50);
    b.mod(50);
    a.mod(50); // re-armed after b: now fires after b
    clock.run(60);
    expect(order).toEqual(["b", "a"]);
  });

  it("shows each callback its own deadline as now", () => {
    const clock = new Clock();
    const seen: number[] = [];
    for (const d of [30, 10, 20]) clock.newTimer(`t${d}`, () => seen.push(clock.now - d)).mod(d);
    clock.run(1000);
    expect(seen).toEqual([0, 0, 0]);
    expect(clock.now).toBe(1000);
  });

  it("lets a timer re-arm itself from its callback (a periodic timer)", () => {
    const clock = new Clock();
    const fires: number[] = [];
    const t = clock.newTimer("periodic", () => {
      fires.push(clock.now);
      t.mod(clock.now + 250);
    });
    t.mod(250);
    clock.run(1000);
    expect(fires).toEqual([250, 500, 750, 1000]);
    expect(t.pending).toBe(true);
    expect(t.expires).toBe(1250);
  });

  it("passes the firing timer to its callback, so one function can re-arm several timers", () => {
    const clock = new Clock();
    const fires: string[] = [];
    const rearm = (timer: Timer) => {
      fires.push(`${timer.name}@${clock.now}`);
      timer.modIn(timer.name === "a" ? 30 : 45);
    };
    clock.newTimer("a", rearm).mod(30);
    clock.newTimer("b", rearm).mod(45);
    clock.run(100);
    expect(fires).toEqual(["a@30", "b@45", "a@60", "b@90", "a@90"]); // b re-armed for 90 before a was
  });

  it("lets a callback arm, re-arm and cancel other timers", () => {
    const clock = new Clock();
    const log: string[] = [];
    const late = clock.newTimer("late", () => log.push(`late@${clock.now}`));
    const victim = clock.newTimer("victim", () => log.push("victim"));
    const same = clock.newTimer("same", () => log.push(`same@${clock.now}`));
    clock.newTimer("boss", () => {
      log.push("boss");
      late.mod(clock.now + 5);
      victim.del();
      same.mod(clock.now); // due now: still runs, after boss
    }).mod(10);
    victim.mod(12);
    clock.run(100);
    expect(log).toEqual(["boss", "same@10", "late@15"]);
  });

  it("treats a timer that cancels itself in its callback as finished", () => {
    const clock = new Clock();
    let n = 0;
    const t = clock.newTimer("once", () => {
      n++;
      t.mod(clock.now + 10);
      t.del();
    });
    t.mod(1);
    clock.run(100);
    expect(n).toBe(1);
    expect(t.pending).toBe(false);
    expect(clock.pendingCount).toBe(0);
  });

  it("steps one event at a time and reports an empty queue", () => {
    const clock = new Clock();
    const t = clock.newTimer("t", () => {});
    expect(clock.step()).toBe(false);
    t.mod(7);
    expect(clock.nextDeadline()).toBe(7);
    expect(clock.step()).toBe(true);
    expect(clock.now).toBe(7);
    expect(clock.step()).toBe(false);
  });

  it("stops run() when a callback asks, and stops runUntilIdle() on a predicate or a limit", () => {
    const clock = new Clock();
    let n = 0;
    const t = clock.newTimer("t", () => {
      n++;
      if (n === 3) clock.stop();
      t.mod(clock.now + 1);
    });
    t.mod(1);
    expect(clock.run(100)).toBe("stopped");
    expect(clock.now).toBe(3);
    expect(clock.runUntilIdle(Number.MAX_SAFE_INTEGER, () => n >= 10)).toBe("stopped");
    expect(n).toBe(10);
    expect(clock.runUntilIdle(5)).toBe("limit");
    expect(n).toBe(15);
    t.del();
    expect(clock.runUntilIdle()).toBe("idle");
  });

  it("supports a nested run from inside a callback (a busy-wait delay)", () => {
    const clock = new Clock();
    const log: string[] = [];
    clock.newTimer("tick", () => log.push(`tick@${clock.now}`)).mod(5);
    const outer = clock.newTimer("outer", () => {
      log.push(`outer@${clock.now}`);
      clock.run(clock.now + 10); // like udelay(10 ns) spinning on the event queue
      log.push(`outer-done@${clock.now}`);
      outer.mod(clock.now + 100);
    });
    outer.mod(1);
    clock.run(20);
    expect(log).toEqual(["outer@1", "tick@5", "outer-done@11"]);
    expect(outer.expires).toBe(111);
  });

  it("never takes time back when a callback's nested run went past the outer run's end (an SMI longer than the chunk)", () => {
    const clock = new Clock();
    clock.newTimer("smi", () => clock.run(clock.now + 50)).mod(10);
    expect(clock.run(20)).toBe("until");
    expect(clock.now).toBe(60);
    clock.run(60);
    expect(clock.now).toBe(60);
  });

  it("leaves the queue consistent when a callback throws: the error propagates, the timer is idle, the rest still fire", () => {
    const clock = new Clock();
    const log: string[] = [];
    const bad = clock.newTimer("bad", () => {
      log.push(`bad@${clock.now}`);
      if (clock.now === 10) throw new Error("device model bug");
    });
    clock.newTimer("a", () => log.push(`a@${clock.now}`)).mod(10);
    clock.newTimer("b", () => log.push(`b@${clock.now}`)).mod(30);
    bad.mod(10); // same deadline as a, armed later: fires after it
    expect(() => clock.run(100)).toThrow("device model bug");
    expect(clock.now).toBe(10);
    expect(bad.pending).toBe(false);
    expect(clock.pendingCount).toBe(1);
    expect(clock.nextDeadline()).toBe(30);
    bad.mod(20);
    expect(clock.run(25)).toBe("until");
    expect(log).toEqual(["a@10", "bad@10", "bad@20"]);
    bad.del();
    expect(clock.run(100)).toBe("until");
    expect(log).toEqual(["a@10", "bad@10", "bad@20", "b@30"]);
  });

  it("lets a callback re-arm itself after a nested run that fired other timers", () => {
    const clock = new Clock();
    const log: string[] = [];
    const tick = clock.newTimer("tick", () => {
      log.push(`tick@${clock.now}`);
      tick.mod(clock.now + 4);
    });
    tick.mod(2);
    const outer = clock.newTimer("outer", () => {
      log.push(`outer@${clock.now}`);
      expect(outer.pending).toBe(false);
      clock.run(clock.now + 5);
      outer.mod(clock.now + 1);
      expect(outer.pending).toBe(true);
    });
    outer.mod(3);
    clock.run(8);
    expect(log).toEqual(["tick@2", "outer@3", "tick@6"]);
    expect(outer.expires).toBe(9);
    expect(tick.expires).toBe(10);
    expect(clock.pendingCount).toBe(2);
  });

  it("rejects arming in the past, a non-integer deadline and running backwards", () => {
    const clock = new Clock();
    clock.run(100);
    const t = clock.newTimer("t", () => {});
    expect(() => t.mod(99)).toThrow(TimeError);
    expect(() => t.mod(100.5)).toThrow(TimeError);
    expect(() => t.mod(Number.NaN)).toThrow(TimeError);
    expect(() => clock.run(50)).toThrow(/backwards/);
  });

  it("fires exactly what a sorted reference list would, for any sequence of arms and cancels", () => {
    type Op = { kind: "mod"; timer: number; delay: number } | { kind: "del"; timer: number } | { kind: "advance"; by: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("mod" as const), timer: fc.nat(7), delay: fc.nat(20) }),
      fc.record({ kind: fc.constant("del" as const), timer: fc.nat(7) }),
      fc.record({ kind: fc.constant("advance" as const), by: fc.nat(15) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const clock = new Clock();
        const fired: string[] = [];
        const timers = Array.from({ length: 8 }, (_, i) => clock.newTimer(`t${i}`, () => fired.push(`${i}@${clock.now}`)));
        // Reference: pending entries (deadline, seq) fired in sorted order.
        const pending = new Map<number, { deadline: number; seq: number }>();
        const expected: string[] = [];
        let now = 0;
        let seq = 0;
        const advanceRef = (until: number) => {
          for (;;) {
            const due = [...pending.entries()].filter(([, p]) => p.deadline <= until).sort((a, b) => a[1].deadline - b[1].deadline || a[1].seq - b[1].seq)[0];
            if (due === undefined) break;
            pending.delete(due[0]);
            expected.push(`${due[0]}@${due[1].deadline}`);
          }
          now = until;
        };
        for (const o of ops) {
          if (o.kind === "mod") {
            timers[o.timer]!.mod(now + o.delay);
            pending.set(o.timer, { deadline: now + o.delay, seq: seq++ });
          } else if (o.kind === "del") {
            timers[o.timer]!.del();
            pending.delete(o.timer);
          } else {
            clock.run(now + o.by);
            advanceRef(now + o.by);
          }
        }
        clock.run(now + 100);
        advanceRef(now + 100);
        return JSON.stringify(fired) === JSON.stringify(expected);
      }),
      { numRuns: 500 },
    );
  });
});

import { describe, expect, it } from "vitest";
import { KERN_DEBUG, dmesg, printk } from "../../../src/linux/kernel/printk/printk.js";
import { complete, completion, wait_for_completion_timeout } from "../../../src/linux/kernel/sched/completion.js";
import { kthread_run, kernel, KernelContextError } from "../../../src/linux/kernel/instance.js";
import { clockevents_config_and_register } from "../../../src/linux/kernel/time/clockevents.js";
import { fakeClockEvent, testMachine } from "../../support/kernel-host.js";

describe("printk", () => {
  it("records level, CPU and virtual time, and formats like dmesg", () => {
    const m = testMachine({ cpus: 2 });
    m.clock.run(1_234_567_891);
    m.on(1, () => printk(`${KERN_DEBUG}hpet mult: 60787\n`));
    const r = m.kernel.log.at(-1)!;
    expect(r).toMatchObject({ level: 7, cpu: 1, text: "hpet mult: 60787" });
    expect(dmesg([r])).toBe("[    1.234567] hpet mult: 60787\n");
  });

  it("refuses kernel calls made outside a kernel", () => {
    expect(() => kernel()).toThrow(KernelContextError);
    expect(() => printk("x")).toThrow(/outside runInKernel/);
  });
});

describe("completions", () => {
  it("returns the jiffies left when completed in time and 0 on timeout", () => {
    const m = testMachine({ HZ: 100 });
    m.on(0, () => clockevents_config_and_register(fakeClockEvent(m, 0), 1e9, 1000, 0x7fff_ffff));
    const done = new completion();
    const results: number[] = [];
    m.on(0, () =>
      kthread_run(
        (function* () {
          results.push(yield* wait_for_completion_timeout(done, 10));
          results.push(yield* wait_for_completion_timeout(done, 5));
        })(),
        "waiter",
      ),
    );
    m.clock.newTimer("irq", () => m.on(0, () => complete(done))).mod(30_000_000);
    m.clock.run(1_000_000_000);
    expect(results).toEqual([7, 0]);
  });
});

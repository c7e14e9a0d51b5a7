import { describe, expect, it } from "vitest";
import { kthread_run, per_cpu } from "../../../../src/linux/kernel/instance.js";
import {
  CLOCK_EVT_FEAT_C3STOP,
  CLOCK_EVT_FEAT_ONESHOT,
  CLOCK_EVT_FEAT_PERIODIC,
  CLOCK_EVT_MODE_ONESHOT,
  CLOCK_EVT_MODE_PERIODIC,
  CLOCK_EVT_MODE_UNUSED,
  clockevents_config_and_register,
} from "../../../../src/linux/kernel/time/clockevents.js";
import { tick_broadcast_device, tick_broadcast_enter, tick_broadcast_exit } from "../../../../src/linux/kernel/time/tick-broadcast.js";
import { tick_cpu_device, tick_do_timer_cpu } from "../../../../src/linux/kernel/time/tick-common.js";
import { jiffies, msleep } from "../../../../src/linux/kernel/time/timer.js";
import { fakeClockEvent, testMachine, type TestMachine } from "../../../support/kernel-host.js";

function register(m: TestMachine, cpu: number, dev: ReturnType<typeof fakeClockEvent>) {
  m.on(cpu, () => clockevents_config_and_register(dev, 1_000_000_000, 1000, 0x7fff_ffff));
}

describe("tick device selection", () => {
  it("gives each CPU its local device, then prefers a better-rated per-CPU device and releases the old one", () => {
    const m = testMachine({ cpus: 2 });
    const c3 = CLOCK_EVT_FEAT_ONESHOT | CLOCK_EVT_FEAT_PERIODIC | CLOCK_EVT_FEAT_C3STOP;
    const lapic = [0, 1].map((cpu) => fakeClockEvent(m, cpu, { name: `lapic${cpu}`, rating: 100, features: c3 }));
    lapic.forEach((d, cpu) => register(m, cpu, d));
    expect(m.on(0, () => per_cpu(tick_cpu_device, 1).evtdev?.name)).toBe("lapic1");
    expect(m.on(0, () => tick_do_timer_cpu())).toBe(0);
    const hpet1 = fakeClockEvent(m, 1, { name: "hpet1", rating: 110 });
    register(m, 1, hpet1);
    expect(m.on(0, () => per_cpu(tick_cpu_device, 1).evtdev?.name)).toBe("hpet1");
    expect(lapic[1]!.mode).toBe(CLOCK_EVT_MODE_UNUSED);
    expect(hpet1.mode).toBe(CLOCK_EVT_MODE_PERIODIC);
    expect(m.log()).toContain("clockevents: CPU1 tick device lapic1 replaced by hpet1");
    // Re-offered after release, a C3STOP device cannot become the broadcast device.
    expect(m.on(0, () => tick_broadcast_device())).toBeNull();
  });

  it("re-offers a displaced device, so a legacy timer replaced by the LAPIC becomes the broadcast device", () => {
    const m = testMachine({ cpus: 1 });
    register(m, 0, fakeClockEvent(m, 0, { name: "hpet", rating: 50, features: CLOCK_EVT_FEAT_PERIODIC | CLOCK_EVT_FEAT_ONESHOT }));
    expect(m.on(0, () => per_cpu(tick_cpu_device, 0).evtdev?.name)).toBe("hpet");
    const c3 = CLOCK_EVT_FEAT_ONESHOT | CLOCK_EVT_FEAT_PERIODIC | CLOCK_EVT_FEAT_C3STOP;
    register(m, 0, fakeClockEvent(m, 0, { name: "lapic", rating: 100, features: c3 }));
    expect(m.on(0, () => per_cpu(tick_cpu_device, 0).evtdev?.name)).toBe("lapic");
    expect(m.on(0, () => tick_broadcast_device()?.name)).toBe("hpet");
  });

  it("never lets a lower-rated device with the same mask replace the local one; it becomes the broadcast device", () => {
    const m = testMachine({ cpus: 2 });
    register(m, 0, fakeClockEvent(m, 0, { name: "lapic0", rating: 100, features: CLOCK_EVT_FEAT_ONESHOT | CLOCK_EVT_FEAT_PERIODIC | CLOCK_EVT_FEAT_C3STOP }));
    // Seed 004's global HPET device: rating 110 − 20 = 90, cpumask of CPU 0 (spec §4 (E)).
    const global = fakeClockEvent(m, 0, { name: "hpet", rating: 90 });
    register(m, 0, global);
    expect(m.on(0, () => per_cpu(tick_cpu_device, 0).evtdev?.name)).toBe("lapic0");
    expect(m.on(0, () => tick_broadcast_device()?.name)).toBe("hpet");
  });

  it("does not let a device for another CPU take this CPU's tick", () => {
    const m = testMachine({ cpus: 2 });
    register(m, 0, fakeClockEvent(m, 0, { name: "lapic0", rating: 100 }));
    // Registered from CPU 0 with the mask of CPU 1 (spec §4 (A)): CPU 0 rejects it.
    register(m, 0, fakeClockEvent(m, 1, { name: "hpet1", rating: 110, features: CLOCK_EVT_FEAT_ONESHOT | CLOCK_EVT_FEAT_C3STOP }));
    expect(m.on(0, () => per_cpu(tick_cpu_device, 0).evtdev?.name)).toBe("lapic0");
    expect(m.on(0, () => per_cpu(tick_cpu_device, 1).evtdev)).toBeNull();
  });
});

describe("the tick", () => {
  it("counts HZ jiffies per second on a hardware-periodic device", () => {
    const m = testMachine({ HZ: 250 });
    const dev = fakeClockEvent(m, 0);
    register(m, 0, dev);
    m.clock.run(1_000_000_000);
    expect(m.on(0, () => jiffies())).toBe(250);
    expect(m.on(0, () => per_cpu(tick_cpu_device, 0).ticks)).toBe(250);
  });

  it("re-arms a one-shot-only device at absolute tick times", () => {
    const m = testMachine({ HZ: 100 });
    const dev = fakeClockEvent(m, 0, { features: CLOCK_EVT_FEAT_ONESHOT });
    register(m, 0, dev);
    expect(dev.mode).toBe(CLOCK_EVT_MODE_ONESHOT);
    m.clock.run(1_000_000_000);
    expect(m.on(0, () => jiffies())).toBe(100);
    // Every programming after the first asks for exactly one jiffy, 10 ms = 1e7 ticks at 1 GHz.
    expect(new Set(dev.programmed.slice(1).map(([, t]) => t))).toEqual(new Set([10_000_000]));
  });

  it("programs the next tick at every tick in one-shot tick mode and catches jiffies up after a late tick", () => {
    const m = testMachine({ HZ: 1000, tick_mode: "oneshot" });
    const dev = fakeClockEvent(m, 0);
    register(m, 0, dev);
    expect(dev.mode).toBe(CLOCK_EVT_MODE_ONESHOT);
    m.clock.run(100_000_000);
    expect(m.on(0, () => jiffies())).toBe(100);
    // Lose 5 ms of ticks (the device is stopped), then restart it: jiffies catch up.
    dev.set_mode(0, dev);
    m.clock.run(105_500_000);
    m.on(0, () => dev.event_handler?.(dev));
    expect(m.on(0, () => jiffies())).toBe(105);
  });

  it("wakes msleep() after its jiffies have passed, and never when the tick is dead", () => {
    const m = testMachine({ HZ: 100 });
    register(m, 0, fakeClockEvent(m, 0));
    const woke: number[] = [];
    m.on(0, () =>
      kthread_run(
        (function* () {
          yield* msleep(25); // msecs_to_jiffies(25) + 1 = 4 jiffies at HZ=100
          woke.push(m.clock.now);
        })(),
        "sleeper",
      ),
    );
    m.clock.run(1_000_000_000);
    expect(woke).toEqual([40_000_000]);

    const dead = testMachine({ HZ: 100 });
    let done = false;
    dead.on(0, () =>
      kthread_run(
        (function* () {
          yield* msleep(10);
          done = true;
        })(),
        "stuck",
      ),
    );
    dead.clock.run(10_000_000_000);
    expect(done).toBe(false);
  });
});

describe("tick broadcast", () => {
  it("hands a deep-idle CPU's next tick to the broadcast device and takes it back on exit", () => {
    const m = testMachine({ cpus: 2, HZ: 1000, tick_mode: "oneshot" });
    const c3 = CLOCK_EVT_FEAT_ONESHOT | CLOCK_EVT_FEAT_PERIODIC | CLOCK_EVT_FEAT_C3STOP;
    const lapic = [0, 1].map((cpu) => fakeClockEvent(m, cpu, { name: `lapic${cpu}`, features: c3 }));
    lapic.forEach((d, cpu) => register(m, cpu, d));
    const bc = fakeClockEvent(m, 0, { name: "hpet", rating: 50, cpumask: 0b11 });
    register(m, 0, bc);
    expect(m.on(0, () => tick_broadcast_device()?.name)).toBe("hpet");
    m.clock.run(10_000_000);
    const before = m.on(0, () => per_cpu(tick_cpu_device, 1).ticks);
    // CPU 1 sleeps deeply for 20 ms: its LAPIC is shut down, yet it keeps ticking through the HPET.
    m.on(1, () => expect(tick_broadcast_enter()).toBe(0));
    const lapicFiresBefore = lapic[1]!.fires;
    m.clock.run(30_000_000);
    expect(lapic[1]!.fires).toBe(lapicFiresBefore);
    expect(bc.fires).toBeGreaterThanOrEqual(19);
    m.on(1, () => tick_broadcast_exit());
    m.clock.run(40_000_000);
    expect(m.on(0, () => per_cpu(tick_cpu_device, 1).ticks) - before).toBeGreaterThanOrEqual(29);
    expect(lapic[1]!.fires).toBeGreaterThan(lapicFiresBefore);
  });
});

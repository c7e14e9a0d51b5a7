import { describe, expect, it } from "vitest";
import { ETIME } from "../../../../src/linux/include/linux/errno.js";
import {
  CLOCK_EVT_FEAT_ONESHOT,
  CLOCK_EVT_MODE_ONESHOT,
  clock_event_device_init,
  clockevent_delta2ns,
  clockevents_calc_mult_shift,
  clockevents_config_and_register,
  clockevents_program_event,
  clockevents_set_mode,
  clocks_calc_mult_shift,
} from "../../../../src/linux/kernel/time/clockevents.js";
import { cpumask_of } from "../../../../src/linux/include/linux/cpumask.js";
import { fakeClockEvent, testMachine } from "../../../support/kernel-host.js";

/** A device shell for the arithmetic tests (never registered). */
function shell(mult = 0, shift = 0) {
  return clock_event_device_init({
    name: "hpet",
    features: CLOCK_EVT_FEAT_ONESHOT,
    rating: 110,
    cpumask: cpumask_of(0),
    set_next_event: () => 0,
    set_mode: () => {},
    mult,
    shift,
  });
}

// Reference numbers: spec §7 (calc_numbers.py). 10^15 / 69 841 279 fs = 14 318 179 Hz.
const ICH_HZ = 14_318_179;

describe("clockevents arithmetic", () => {
  it("computes mainline's mult/shift and delta limits for the ICH, 10 MHz and 100 MHz HPETs", () => {
    const cases = [
      { hz: ICH_HZ, mult: 61_496_111, min: 13_410, max: 149_983_013_277 },
      { hz: 10_000_000, mult: 42_949_673, min: 19_200, max: 214_748_364_501 },
      { hz: 100_000_000, mult: 429_496_730, min: 1_920, max: 21_474_836_451 },
    ];
    for (const c of cases) {
      const m = testMachine();
      const dev = fakeClockEvent(m, 0, { rating: 50 });
      m.on(0, () => clockevents_config_and_register(dev, c.hz, 192, 0x7fff_ffff));
      expect({ hz: c.hz, mult: dev.mult, shift: dev.shift, min: dev.min_delta_ns, max: dev.max_delta_ns }).toEqual({ ...c, shift: 32 });
    }
  });

  it("derives mult 61 496 111 with maxsec 149 through clocks_calc_mult_shift", () => {
    expect(clocks_calc_mult_shift(1_000_000_000, ICH_HZ, 149)).toEqual({ mult: 61_496_111, shift: 32 });
    const dev = shell();
    clockevents_calc_mult_shift(dev, ICH_HZ, 149);
    expect([dev.mult, dev.shift]).toEqual([61_496_111, 32]);
  });

  it("converts with 2007's truncating delta2ns for the seed's mult 60 787 / shift 22", () => {
    const m = testMachine({ switches: { "clockevents.delta2ns-2007": true } });
    const dev = shell(60_787, 22);
    // hpet_tick at HZ=1000 is 14 318 ticks: (14318 << 22) / 60787 = 987 942 ns; 0x7FFFFFFF → 148 176 406 971 ns.
    expect(m.on(0, () => clockevent_delta2ns(14_318, dev))).toBe(987_942);
    expect(m.on(0, () => clockevent_delta2ns(0x7fff_ffff, dev))).toBe(148_176_406_971);
    // HZ=100 and 250: 143 182 and 57 273 ticks.
    expect(m.on(0, () => clockevent_delta2ns(143_182, dev))).toBe(9_879_560);
    expect(m.on(0, () => clockevent_delta2ns(57_273, dev))).toBe(3_951_837);
  });

  it("rounds up in mainline so a minimum converts back to at least its ticks, and truncates in 2007", () => {
    // 48 ticks at mainline's mult: 2007 truncation gives 3352 ns, which converts back to 47 ticks (§2.4).
    const dev = shell(61_496_110, 32);
    const trunc = testMachine({ switches: { "clockevents.delta2ns-2007": true } }).on(0, () => clockevent_delta2ns(48, dev));
    const round = testMachine().on(0, () => clockevent_delta2ns(48, dev));
    expect(trunc).toBe(3_352);
    expect(Math.floor((trunc * 61_496_110) / 2 ** 32)).toBe(47);
    expect(round).toBe(3_353);
    expect(testMachine().on(0, () => clockevent_delta2ns(1, dev))).toBe(1_000); // "pointless noise" floor
  });
});

describe("clockevents_program_event", () => {
  function registered(fail: () => boolean, switches: Record<string, boolean> = {}) {
    const m = testMachine({ switches });
    const dev = fakeClockEvent(m, 0, { name: "hpet", hz: ICH_HZ, fail });
    m.on(0, () => clockevents_config_and_register(dev, ICH_HZ, 192, 0x7fff_ffff));
    return { m, dev };
  }

  it("clamps a delta to the device's limits and converts it with mult/shift", () => {
    const { m, dev } = registered(() => false);
    m.on(0, () => clockevents_set_mode(dev, CLOCK_EVT_MODE_ONESHOT));
    dev.programmed.length = 0;
    m.on(0, () => {
      expect(clockevents_program_event(dev, 5, false)).toBe(0); // 5 ns → min_delta 13 410 ns → 192 ticks
      expect(clockevents_program_event(dev, 1e6, false)).toBe(0); // 1 ms → (1e6 · 61496111) >> 32 = 14 318
      expect(clockevents_program_event(dev, 1e12, false)).toBe(0); // 1000 s → max_delta → 0x7FFFFFFF
    });
    expect(dev.programmed.map(([, t]) => t)).toEqual([192, 14_318, 0x7fff_ffff]);
  });

  it("climbs the -ETIME ladder 13 410 → 20 115 → 30 172 → 45 258 ns and gives up at one jiffy", () => {
    const { m, dev } = registered(() => true);
    m.on(0, () => clockevents_set_mode(dev, CLOCK_EVT_MODE_ONESHOT));
    m.clock.run(1_000_000);
    const ret = m.on(0, () => clockevents_program_event(dev, 0, true));
    expect(ret).toBe(-ETIME);
    const raised = m.log().filter((l) => l.startsWith("CE: hpet increased"));
    expect(raised.slice(0, 3)).toEqual([
      "CE: hpet increased min_delta_ns to 20115 nsec",
      "CE: hpet increased min_delta_ns to 30172 nsec",
      "CE: hpet increased min_delta_ns to 45258 nsec",
    ]);
    expect(raised.at(-1)).toBe("CE: hpet increased min_delta_ns to 1000000 nsec");
    expect(m.log().at(-1)).toBe("CE: Reprogramming failure. Giving up");
    expect(dev.min_delta_ns).toBe(1_000_000);
    expect(dev.retries).toBe(3 * (raised.length + 1));
  });

  it("retries with the minimum delta once, when the driver refuses only the first time", () => {
    let n = 0;
    const { m, dev } = registered(() => n++ === 0);
    m.on(0, () => clockevents_set_mode(dev, CLOCK_EVT_MODE_ONESHOT));
    expect(m.on(0, () => clockevents_program_event(dev, 1e6, true))).toBe(0);
    expect(dev.programmed.at(-1)?.[1]).toBe(192);
    expect(dev.retries).toBe(1);
  });

  it("returns -ETIME for a past expiry without force", () => {
    const plain = registered(() => false);
    plain.m.clock.run(100_000);
    plain.m.on(0, () => clockevents_set_mode(plain.dev, CLOCK_EVT_MODE_ONESHOT));
    expect(plain.m.on(0, () => clockevents_program_event(plain.dev, 50_000, false))).toBe(-ETIME);
  });

  it("raises the minimum without a cap in 2.6.21's form, printing twice the value, and reports the hang it ends in", () => {
    const { m, dev } = registered(() => true, { "clockevents.min-adjust-2007": true });
    m.on(0, () => clockevents_set_mode(dev, CLOCK_EVT_MODE_ONESHOT));
    expect(() => m.on(0, () => clockevents_program_event(dev, 1e6, true))).toThrow(/hangs in tick_dev_program_event/);
    const raised = m.log().filter((l) => l.startsWith("CE: hpet increasing"));
    expect(raised.slice(0, 2)).toEqual(["CE: hpet increasing min_delta_ns to 40230 nsec", "CE: hpet increasing min_delta_ns to 60344 nsec"]);
    expect(dev.min_delta_ns).toBeGreaterThan(dev.max_delta_ns);
    expect(m.log()).not.toContain("CE: Reprogramming failure. Giving up");
  });
});

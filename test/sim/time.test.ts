import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CycleCounter, TimeError, cyclesAt, formatNs, ms, ns, nsAtTick, parseDuration, sec, ticksAt } from "../../src/sim/time.js";

const HPET_FS = 69_841_279; // IA-PC HPET: 14.31818 MHz
const QEMU_FS = 10_000_000; // QEMU's HPET: 100 MHz
const MAX = Number.MAX_SAFE_INTEGER;

const refTicks = (t: number, p: number) => Number((BigInt(t) * 1_000_000n) / BigInt(p));
const refNs = (k: number, p: number) => Number((BigInt(k) * BigInt(p) + 999_999n) / 1_000_000n);

describe("ticksAt / nsAtTick", () => {
  it("counts a 69 841 279 fs counter exactly after ten simulated hours", () => {
    // 36 000 s = 3.6e19 fs; floor(3.6e19 / 69 841 279) computed by hand with exact division.
    expect(ticksAt(sec(36_000), HPET_FS)).toBe(515_454_477_859);
    expect(ticksAt(sec(36_000), QEMU_FS)).toBe(3_600_000_000_000);
  });

  it("matches a BigInt reference for every time below 2^53 (HPET and QEMU periods)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), fc.constantFrom(HPET_FS, QEMU_FS), (t, p) => ticksAt(t, p) === refTicks(t, p)),
      { numRuns: 20_000 },
    );
  });

  it("matches a BigInt reference for arbitrary periods and tick counts", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), fc.integer({ min: 1, max: 9_000_000_000 }), (x, p) => {
        const expectedTicks = (BigInt(x) * 1_000_000n) / BigInt(p);
        const ticksOk = expectedTicks > BigInt(MAX) ? throws(() => ticksAt(x, p)) : ticksAt(x, p) === Number(expectedTicks);
        const expectedNs = BigInt(x) * BigInt(p);
        if ((expectedNs + 999_999n) / 1_000_000n > BigInt(MAX)) return ticksOk && throws(() => nsAtTick(x, p));
        return ticksOk && nsAtTick(x, p) === refNs(x, p);
      }),
      { numRuns: 20_000 },
    );
  });

  it("is exact on both sides of 2^52, where the division switches from the quotient estimate to fmod", () => {
    const near = fc.integer({ min: 2 ** 52 - 2 ** 34, max: 2 ** 52 + 2 ** 34 });
    fc.assert(
      fc.property(near, fc.constantFrom(HPET_FS, QEMU_FS, 1_000_001, 8_999_999_999), (t, p) => ticksAt(t, p) === refTicks(t, p)),
      { numRuns: 5_000 },
    );
    expect(ticksAt(2 ** 52 - 1, HPET_FS)).toBe(refTicks(2 ** 52 - 1, HPET_FS));
    expect(ticksAt(2 ** 52, HPET_FS)).toBe(refTicks(2 ** 52, HPET_FS));
  });

  it("makes nsAtTick the first nanosecond at which the tick is reached", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.constantFrom(HPET_FS, QEMU_FS, 1, 999_999, 1_000_001), (k, p) => {
        const t = nsAtTick(k, p);
        return ticksAt(t, p) >= k && ticksAt(t - 1, p) < k;
      }),
    );
  });

  it("checks the boundary values exactly", () => {
    expect(ticksAt(MAX, HPET_FS)).toBe(refTicks(MAX, HPET_FS));
    expect(ticksAt(0, HPET_FS)).toBe(0);
    expect(ticksAt(69, HPET_FS)).toBe(0);
    expect(ticksAt(70, HPET_FS)).toBe(1); // 70 ns = 70 000 000 fs > 69 841 279 fs
    expect(nsAtTick(1, HPET_FS)).toBe(70);
    expect(nsAtTick(0, HPET_FS)).toBe(0);
  });

  it("refuses unsafe, negative and fractional inputs instead of rounding", () => {
    expect(() => ticksAt(2 ** 53, HPET_FS)).toThrow(TimeError);
    expect(() => ticksAt(-1, HPET_FS)).toThrow(TimeError);
    expect(() => ticksAt(1.5, HPET_FS)).toThrow(TimeError);
    expect(() => ticksAt(1, 0)).toThrow(/period/);
    expect(() => ticksAt(1, 1e10)).toThrow(/period/);
    expect(() => nsAtTick(MAX, HPET_FS)).toThrow(/safe integer/);
    expect(() => ticksAt(MAX, 1)).toThrow(/safe integer/); // 2^53 ns at 1 fs is 9e21 ticks
  });
});

describe("cyclesAt", () => {
  it("counts an integer-frequency counter exactly (13 MHz and 19.2 MHz arch timers, a 2.4 GHz TSC)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), fc.constantFrom(13_000_000, 2_400_000_000, 19_200_000, 1), (t, hz) => {
        return cyclesAt(t, hz) === Number((BigInt(t) * BigInt(hz)) / 1_000_000_000n);
      }),
      { numRuns: 5_000 },
    );
    expect(() => cyclesAt(1, 0)).toThrow(TimeError);
    expect(() => cyclesAt(-1, 5)).toThrow(TimeError);
    // 14 318 179 Hz is coprime with 10^9: its ratio does not reduce, so only its period (ticksAt) is exact.
    expect(() => cyclesAt(1, 14_318_179)).toThrow(/cannot be converted exactly/);
  });

  it("gives the same counts from a CycleCounter built once as from cyclesAt", () => {
    const tsc = new CycleCounter(2_400_000_000);
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 51 }), (t) => tsc.at(t) === Number((BigInt(t) * 24n) / 10n)));
    expect(() => tsc.at(-1)).toThrow(TimeError);
    expect(() => new CycleCounter(14_318_179)).toThrow(/cannot be converted exactly/);
  });
});

describe("durations", () => {
  it("brands and converts units", () => {
    expect(ns(5)).toBe(5);
    expect(ms(3)).toBe(3_000_000);
    expect(sec(2)).toBe(2_000_000_000);
    expect(() => ns(-3)).toThrow(TimeError);
  });

  it("parses durations with units and rejects other text", () => {
    expect(parseDuration("250ms")).toBe(250_000_000);
    expect(parseDuration("1.5 s")).toBe(1_500_000_000);
    expect(parseDuration("10h")).toBe(36_000_000_000_000);
    expect(parseDuration("42")).toBe(42);
    expect(parseDuration("3 fortnights")).toBeUndefined();
    expect(parseDuration("-1s")).toBeUndefined();
    expect(parseDuration("")).toBeUndefined();
  });

  it("formats times for people", () => {
    expect(formatNs(250)).toBe("250 ns");
    expect(formatNs(1_500)).toBe("1.500 us");
    expect(formatNs(12_000_000)).toBe("12.000000 ms");
    expect(formatNs(1_234_567_891)).toBe("1.234567891 s");
  });
});

function throws(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    return e instanceof TimeError;
  }
}

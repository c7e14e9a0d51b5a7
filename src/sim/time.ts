/**
 * Virtual time: integer nanoseconds in a JS number (exact below 2^53 ns, about 104 days), as
 * QEMU's QEMU_CLOCK_VIRTUAL and Renode's TimeInterval.
 *
 * Device counters whose period is not a whole number of nanoseconds (the HPET's 69 841 279 fs)
 * convert with exact integer arithmetic, never floating point, so that a counter read after ten
 * simulated hours equals floor(elapsed_fs / period_fs) to the tick.
 */

/** Nanoseconds of virtual time; only safe integers. */
export type Ns = number & { readonly __unit: "ns" };

export const FS_PER_NS = 1_000_000;

export class TimeError extends RangeError {
  override readonly name = "TimeError";
}

/** Brands `n` as nanoseconds, asserting it is a non-negative safe integer. */
export function ns(n: number): Ns {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new TimeError(`virtual time must be a non-negative safe integer of nanoseconds, got ${n}`);
  }
  return n as Ns;
}

export const us = (n: number): Ns => ns(n * 1_000);
export const ms = (n: number): Ns => ns(n * 1_000_000);
export const sec = (n: number): Ns => ns(n * 1_000_000_000);

/** Below this, a quotient estimate q has q · d < 2^53 for every d < 2^52: exact products. */
const FAST_DIV_LIMIT = 2 ** 52;

/**
 * floor(a / d) or ceil(a / d) for a safe integer a ≥ 0 and integer 0 < d < 2^52, exactly.
 * The double quotient is off by at most one and one correction step fixes it; this avoids `%`,
 * which V8 lowers to a call to fmod for numbers past 2^31 (the clock paths run it per tick).
 * Past 2^52 the product check could round, so there `%` (fmod, exact) does the work.
 */
function divInt(a: number, d: number, roundUp: boolean): number {
  if (a >= FAST_DIV_LIMIT) {
    const r = a % d;
    const q = (a - r) / d;
    return roundUp && r !== 0 ? q + 1 : q;
  }
  let q = Math.floor(a / d);
  let r = a - q * d;
  if (r < 0) {
    q--;
    r += d;
  } else if (r >= d) {
    q++;
    r -= d;
  }
  return roundUp && r !== 0 ? q + 1 : q;
}

/**
 * a · num / den, rounded down or up, exact for every safe integer a ≥ 0 as long as
 * num · den < 2^53 (so that the remainder product is exact) and the result is safe.
 */
function mulDiv(a: number, num: number, den: number, roundUp: boolean): number {
  const q = divInt(a, den, false);
  const r = a - q * den;
  const high = q * num;
  const low = divInt(r * num, den, roundUp);
  const result = high + low;
  // A product or sum past 2^53 rounds to ≥ 2^53, so this catches every inexact case.
  if (high > Number.MAX_SAFE_INTEGER || result > Number.MAX_SAFE_INTEGER) {
    throw new TimeError(`${a} * ${num} / ${den} does not fit in a safe integer`);
  }
  return result;
}

function checkPeriod(periodFs: number): void {
  // num · den < 2^53 needs period · 10^6 < 2^53: periods up to 9 µs, far above any counter we model.
  if (!Number.isSafeInteger(periodFs) || periodFs <= 0 || periodFs * FS_PER_NS > Number.MAX_SAFE_INTEGER) {
    throw new TimeError(`a counter period must be a positive integer of femtoseconds below 9e9, got ${periodFs}`);
  }
}

function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new TimeError(`${what} must be a non-negative safe integer, got ${n}`);
  }
}

/** Ticks of a counter with period `periodFs` elapsed after `t` ns: floor(t · 10^6 / period_fs). */
export function ticksAt(t: number, periodFs: number): number {
  checkCount(t, "time");
  checkPeriod(periodFs);
  return mulDiv(t, FS_PER_NS, periodFs, false);
}

/** The first nanosecond at which tick `k` has been reached: ceil(k · period_fs / 10^6). */
export function nsAtTick(k: number, periodFs: number): Ns {
  checkCount(k, "tick count");
  checkPeriod(periodFs);
  return mulDiv(k, periodFs, FS_PER_NS, true) as Ns;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * A counter running at `hz` (an integer frequency) since time 0: `at(t)` = floor(t · hz / 10^9),
 * exact. The ratio is reduced once (13 MHz is 13/1000 per ns), so any frequency whose reduced
 * ratio has numerator · denominator < 2^53 works, which covers every real clock.
 */
export class CycleCounter {
  private readonly num: number;
  private readonly den: number;

  constructor(readonly hz: number) {
    if (!Number.isSafeInteger(hz) || hz <= 0) throw new TimeError(`a frequency must be a positive integer of Hz, got ${hz}`);
    const g = gcd(hz, 1_000_000_000);
    this.num = hz / g;
    this.den = 1_000_000_000 / g;
    if (this.num * this.den > Number.MAX_SAFE_INTEGER) throw new TimeError(`${hz} Hz cannot be converted exactly`);
  }

  /** Cycles after `t` ns. */
  at(t: number): number {
    checkCount(t, "time");
    return mulDiv(t, this.num, this.den, false);
  }
}

/** Cycles of a counter running at `hz` after `t` ns: floor(t · hz / 10^9), exact (see `CycleCounter`). */
export function cyclesAt(t: number, hz: number): number {
  return new CycleCounter(hz).at(t);
}

/** Counter frequency in Hz for a period in femtoseconds (for display; not used on exact paths). */
export function periodFsToHz(periodFs: number): number {
  return 1e15 / periodFs;
}

/** Formats a time for people: `1.234567891 s`, `12.000 ms`, `250 ns`. */
export function formatNs(t: number): string {
  if (t >= 1e9) return `${(t / 1e9).toFixed(9)} s`;
  if (t >= 1e6) return `${(t / 1e6).toFixed(6)} ms`;
  if (t >= 1e3) return `${(t / 1e3).toFixed(3)} us`;
  return `${t} ns`;
}

const UNIT_NS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, min: 60e9, h: 3600e9 };

/**
 * Parses a duration such as `250ms`, `1.5s`, `10 h` or `1000` (ns) into nanoseconds, rounding to
 * the nearest nanosecond. Returns undefined when the text is not a duration.
 */
export function parseDuration(text: string): Ns | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|min|h)?\s*$/.exec(text);
  if (m === null) return undefined;
  const value = Number(m[1]) * (UNIT_NS[m[2] ?? "ns"] ?? 1);
  const rounded = Math.round(value);
  return Number.isSafeInteger(rounded) ? (rounded as Ns) : undefined;
}

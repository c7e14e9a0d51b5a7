/**
 * 64-bit arithmetic the C does in u64 (include/linux/math64.h). JavaScript numbers are exact
 * below 2^53; where a product may exceed that, these fall back to BigInt and wrap at 2^64 as
 * the C types would, so every conversion matches the kernel to the bit.
 */

const TWO53 = 2 ** 53;

/** 2^0 … 2^63, exact in a double: a table lookup where the clock paths would call Math.pow. */
const POW2: readonly number[] = Array.from({ length: 64 }, (_, i) => 2 ** i);

/** 2^shift for 0 ≤ shift < 64. */
export function pow2(shift: number): number {
  return POW2[shift] ?? 2 ** shift;
}

/** (a · mul) >> shift in u64 arithmetic (the product wraps at 2^64, as `u64 clc = a * mul`). */
export function u64_mul_shr(a: number, mul: number, shift: number): number {
  const p = a * mul;
  if (p < TWO53) return Math.floor(p / pow2(shift));
  return Number(BigInt.asUintN(64, BigInt(a) * BigInt(mul)) >> BigInt(shift));
}

/** mul_u64_u32_shr(): (a · mul) >> shift with a 128-bit intermediate (no wrap). */
export function mul_u64_u32_shr(a: number, mul: number, shift: number): number {
  const p = a * mul;
  if (p < TWO53) return Math.floor(p / pow2(shift));
  return Number((BigInt(a) * BigInt(mul)) >> BigInt(shift));
}

/** div_u64 / do_div: truncating unsigned division. */
export function div_u64(a: number, b: number): number {
  return Math.floor(a / b);
}

export const NSEC_PER_SEC = 1_000_000_000;
export const NSEC_PER_USEC = 1_000;
export const FSEC_PER_NSEC = 1_000_000;
export const FSEC_PER_SEC = 1_000_000_000_000_000;
export const LONG_MAX = Number.MAX_SAFE_INTEGER; // 2^63-1 in C; our times stay below 2^53
export const UINT_MAX = 0xffff_ffff;
/** KTIME_MAX: "no event"; any deadline compares below it. */
export const KTIME_MAX = Number.MAX_SAFE_INTEGER;

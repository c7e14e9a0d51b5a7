/**
 * The only source of randomness in a simulation: xoshiro128** 1.1 (Blackman & Vigna, 2018),
 * 32-bit output, 128-bit state, period 2^128 − 1, all arithmetic in 32-bit integers so the
 * sequence is identical on every JavaScript engine.
 *
 * Seeding follows the authors' advice: a 64-bit seed is expanded with SplitMix64 into two 64-bit
 * words, whose low and high halves become the four state words (s0 = lo(x0), s1 = hi(x0),
 * s2 = lo(x1), s3 = hi(x1)). test/sim/prng.test.ts checks the sequence against the reference C.
 */

const MASK64 = (1n << 64n) - 1n;

function splitmix64(state: bigint): [next: bigint, out: bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed` is any integer in [0, 2^64); numbers must be safe integers. */
  constructor(seed: number | bigint) {
    if (typeof seed === "number" && (!Number.isSafeInteger(seed) || seed < 0)) {
      throw new RangeError(`a PRNG seed must be a non-negative safe integer, got ${seed}`);
    }
    const [st1, x0] = splitmix64(BigInt.asUintN(64, BigInt(seed)));
    const [, x1] = splitmix64(st1);
    this.s0 = Number(x0 & 0xffff_ffffn) | 0;
    this.s1 = Number(x0 >> 32n) | 0;
    this.s2 = Number(x1 & 0xffff_ffffn) | 0;
    this.s3 = Number(x1 >> 32n) | 0;
  }

  /** The next 32-bit output, as an unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** A float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** An integer uniformly in [min, max] (inclusive), without modulo bias; the range must fit 32 bits. */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min || max - min > 0xffff_ffff) {
      throw new RangeError(`int(${min}, ${max}) needs safe integers with 0 <= max - min < 2^32`);
    }
    const span = max - min + 1;
    if (span === 0x1_0000_0000) return min + this.nextU32();
    // Reject the top partial bucket so every value is equally likely.
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % span);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return min + (x % span);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.nextFloat() < p;
  }

  /** An independent generator for a sub-component, derived from this one's next outputs. */
  fork(): Prng {
    const hi = BigInt(this.nextU32());
    const lo = BigInt(this.nextU32());
    return new Prng((hi << 32n) | lo);
  }
}

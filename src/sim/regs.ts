/**
 * Registers declared as data (QEMU REG32/FIELD with RegisterAccessInfo, Renode register
 * collections), typed. A declaration lists fields with their bit ranges, access and reset
 * values; `reg32`/`reg64` check it once (overlaps, widths) and precompute the masks that the
 * write algebra needs, so an access is a few mask operations:
 *
 *   new = (old & keep) | (value & writable) | (old & w1c & ~value)
 *
 * Bits no field declares are reserved: they read as their reset value (0) and ignore writes.
 * Writing a 1 to a reserved or unimplemented bit is reported by `reservedBits`/`unimpBits` so the
 * device can trace a guest error, as QEMU's register_write does.
 *
 * 32-bit registers hold `number`s (u32, normalised with `>>> 0`); 64-bit registers hold
 * `bigint`s (`BigInt.asUintN(64, …)`), so field values never lose bits.
 */

/** rw: read/write; ro: read-only; w1c: write 1 to clear; wo: write-only, reads 0; rsvd: reserved; unimp: defined by the spec, not modelled. */
export type Access = "rw" | "ro" | "w1c" | "wo" | "rsvd" | "unimp";

export interface FieldSpec {
  readonly access: Access;
  readonly lsb: number;
  readonly width: number;
  readonly reset: bigint;
}

function field(access: Access) {
  return (lsb: number, width = 1, reset: number | bigint = 0): FieldSpec => ({ access, lsb, width, reset: BigInt(reset) });
}

export const rw = field("rw");
export const ro = field("ro");
export const w1c = field("w1c");
export const wo = field("wo");
export const rsvd = field("rsvd");
export const unimp = field("unimp");

export class RegDeclarationError extends Error {
  override readonly name = "RegDeclarationError";
}

interface Masks {
  readonly reset: bigint;
  readonly writable: bigint;
  readonly w1c: bigint;
  readonly keep: bigint;
  readonly readable: bigint;
  readonly reserved: bigint;
  readonly unimp: bigint;
}

function computeMasks(regName: string, bits: 32 | 64, fields: Readonly<Record<string, FieldSpec>>): Masks {
  const all = (1n << BigInt(bits)) - 1n;
  let used = 0n;
  let reset = 0n;
  const byAccess: Record<Access, bigint> = { rw: 0n, ro: 0n, w1c: 0n, wo: 0n, rsvd: 0n, unimp: 0n };
  for (const [name, f] of Object.entries(fields)) {
    if (!Number.isInteger(f.lsb) || !Number.isInteger(f.width) || f.lsb < 0 || f.width < 1 || f.lsb + f.width > bits) {
      throw new RegDeclarationError(`${regName}.${name}: bits [${f.lsb}, ${f.lsb + f.width}) do not fit a ${bits}-bit register`);
    }
    const mask = ((1n << BigInt(f.width)) - 1n) << BigInt(f.lsb);
    if ((used & mask) !== 0n) throw new RegDeclarationError(`${regName}.${name} overlaps another field`);
    if (f.reset < 0n || f.reset >> BigInt(f.width) !== 0n) {
      throw new RegDeclarationError(`${regName}.${name}: reset value ${f.reset} does not fit ${f.width} bits`);
    }
    used |= mask;
    reset |= f.reset << BigInt(f.lsb);
    byAccess[f.access] |= mask;
  }
  const reserved = byAccess.rsvd | (all & ~used);
  const writable = byAccess.rw | byAccess.wo;
  return {
    reset,
    writable,
    w1c: byAccess.w1c,
    keep: all & ~writable & ~byAccess.w1c,
    readable: all & ~byAccess.wo,
    reserved,
    unimp: byAccess.unimp,
  };
}

export class Field32 {
  readonly mask: number;
  private readonly max: number;
  constructor(
    readonly name: string,
    readonly lsb: number,
    readonly width: number,
    readonly access: Access,
  ) {
    this.max = width === 32 ? 0xffff_ffff : (1 << width) - 1;
    this.mask = (this.max << lsb) >>> 0;
  }
  /** FIELD_EX32 */
  get(reg: number): number {
    return ((reg & this.mask) >>> this.lsb) >>> 0;
  }
  /** FIELD_DP32; a value that does not fit is a model bug and throws. */
  set(reg: number, value: number): number {
    if (!Number.isInteger(value) || value < 0 || value > this.max) {
      throw new RangeError(`field ${this.name}: ${value} does not fit ${this.width} bits`);
    }
    return ((reg & ~this.mask) | (value << this.lsb)) >>> 0;
  }
}

export class Field64 {
  readonly mask: bigint;
  private readonly shift: bigint;
  private readonly max: bigint;
  constructor(
    readonly name: string,
    readonly lsb: number,
    readonly width: number,
    readonly access: Access,
  ) {
    this.shift = BigInt(lsb);
    this.max = (1n << BigInt(width)) - 1n;
    this.mask = this.max << this.shift;
  }
  /** FIELD_EX64 */
  get(reg: bigint): bigint {
    return (reg & this.mask) >> this.shift;
  }
  /** FIELD_DP64; a value that does not fit is a model bug and throws. */
  set(reg: bigint, value: bigint): bigint {
    if (value < 0n || value > this.max) throw new RangeError(`field ${this.name}: ${value} does not fit ${this.width} bits`);
    return (reg & ~this.mask) | (value << this.shift);
  }
  /** True when a one-bit field is set. */
  test(reg: bigint): boolean {
    return (reg & this.mask) !== 0n;
  }
}

type Fields32<F> = { readonly [K in keyof F]: Field32 };
type Fields64<F> = { readonly [K in keyof F]: Field64 };

export class Reg32<F extends Record<string, FieldSpec> = Record<string, FieldSpec>> {
  readonly bits = 32 as const;
  readonly bytes = 4;
  readonly reset: number;
  readonly writable: number;
  readonly w1c: number;
  readonly keep: number;
  readonly readable: number;
  readonly reserved: number;
  readonly unimp: number;
  readonly f: Fields32<F>;

  constructor(
    readonly name: string,
    readonly offset: number,
    fields: F,
  ) {
    const m = computeMasks(name, 32, fields);
    this.reset = Number(m.reset);
    this.writable = Number(m.writable);
    this.w1c = Number(m.w1c);
    this.keep = Number(m.keep);
    this.readable = Number(m.readable);
    this.reserved = Number(m.reserved);
    this.unimp = Number(m.unimp);
    this.f = mapFields(fields, (n, s) => new Field32(n, s.lsb, s.width, s.access)) as Fields32<F>;
  }

  /** The register_write algebra: RO bits kept, writable bits taken, W1C bits cleared where written 1. */
  applyWrite(old: number, value: number): number {
    return ((old & this.keep) | (value & this.writable) | (old & this.w1c & ~value)) >>> 0;
  }
  /** What a read returns for the stored value (write-only bits read 0). */
  read(stored: number): number {
    return (stored & this.readable) >>> 0;
  }
  /** Ones written to reserved bits (for a guest-error trace). */
  reservedBits(value: number): number {
    return (value & this.reserved) >>> 0;
  }
  unimpBits(value: number): number {
    return (value & this.unimp) >>> 0;
  }
}

export class Reg64<F extends Record<string, FieldSpec> = Record<string, FieldSpec>> {
  readonly bits = 64 as const;
  readonly bytes = 8;
  readonly reset: bigint;
  readonly writable: bigint;
  readonly w1c: bigint;
  readonly keep: bigint;
  readonly readable: bigint;
  readonly reserved: bigint;
  readonly unimp: bigint;
  readonly f: Fields64<F>;

  constructor(
    readonly name: string,
    readonly offset: number,
    fields: F,
  ) {
    const m = computeMasks(name, 64, fields);
    this.reset = m.reset;
    this.writable = m.writable;
    this.w1c = m.w1c;
    this.keep = m.keep;
    this.readable = m.readable;
    this.reserved = m.reserved;
    this.unimp = m.unimp;
    this.f = mapFields(fields, (n, s) => new Field64(n, s.lsb, s.width, s.access)) as Fields64<F>;
  }

  applyWrite(old: bigint, value: bigint): bigint {
    return (old & this.keep) | (value & this.writable) | (old & this.w1c & ~value);
  }
  read(stored: bigint): bigint {
    return stored & this.readable;
  }
  reservedBits(value: bigint): bigint {
    return value & this.reserved;
  }
  unimpBits(value: bigint): bigint {
    return value & this.unimp;
  }
}

function mapFields<T>(fields: Readonly<Record<string, FieldSpec>>, make: (name: string, spec: FieldSpec) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [name, spec] of Object.entries(fields)) out[name] = make(name, spec);
  return out;
}

export type Reg = Reg32 | Reg64;

export function reg32<F extends Record<string, FieldSpec>>(name: string, offset: number, fields: F): Reg32<F> {
  return new Reg32(name, offset, fields);
}

export function reg64<F extends Record<string, FieldSpec>>(name: string, offset: number, fields: F): Reg64<F> {
  return new Reg64(name, offset, fields);
}

/** Per-instance registers repeated at `base + stride·n` (HPET timer N, GCE thread N). */
export class Bank<R extends Readonly<Record<string, Reg>>> {
  constructor(
    readonly name: string,
    readonly base: number,
    readonly stride: number,
    readonly count: number,
    readonly regs: R,
  ) {
    for (const r of Object.values(regs)) {
      if (r.offset + r.bytes > stride) throw new RegDeclarationError(`bank ${name}: ${r.name} at +0x${r.offset.toString(16)} overflows the stride`);
    }
  }

  /** Absolute offset of register `reg` of instance `n`. */
  offsetOf(reg: Reg, n: number): number {
    if (!Number.isInteger(n) || n < 0 || n >= this.count) throw new RangeError(`bank ${this.name} has no instance ${n}`);
    return this.base + this.stride * n + reg.offset;
  }
}

export function bank<R extends Readonly<Record<string, Reg>>>(name: string, base: number, stride: number, count: number, regs: R): Bank<R> {
  return new Bank(name, base, stride, count, regs);
}

/** Where an offset landed: a register, which instance of its bank (-1 for a global), and the byte within it. */
export interface Decoded {
  readonly reg: Reg;
  readonly instance: number;
  /** Byte offset of the access inside the register (0–7). */
  readonly byte: number;
}

/**
 * Decodes offsets of a register block to registers once, through a table built at construction
 * (one entry per byte of every register), so a device's access path is a lookup and a `switch`.
 */
export class RegisterMap {
  private readonly table: (Decoded | undefined)[];

  constructor(
    readonly size: number,
    globals: readonly Reg[],
    banks: readonly Bank<Readonly<Record<string, Reg>>>[] = [],
  ) {
    this.table = new Array<Decoded | undefined>(size).fill(undefined);
    for (const r of globals) this.place(r, -1, r.offset);
    for (const b of banks) {
      for (let n = 0; n < b.count; n++) {
        for (const r of Object.values(b.regs)) this.place(r, n, b.base + b.stride * n + r.offset);
      }
    }
  }

  private place(reg: Reg, instance: number, at: number): void {
    if (at < 0 || at + reg.bytes > this.size) throw new RegDeclarationError(`${reg.name} at 0x${at.toString(16)} is outside the ${this.size}-byte block`);
    for (let byte = 0; byte < reg.bytes; byte++) {
      if (this.table[at + byte] !== undefined) throw new RegDeclarationError(`${reg.name} at 0x${at.toString(16)} overlaps another register`);
      this.table[at + byte] = { reg, instance, byte };
    }
  }

  /** The register under `offset`, or undefined for a hole. */
  decode(offset: number): Decoded | undefined {
    return this.table[offset];
  }
}

/** Extracts `size` bytes at byte `byte` of a 64-bit value (a narrow read of a wide register). */
export function extract64(value: bigint, byte: number, size: 1 | 2 | 4): number {
  return Number(BigInt.asUintN(size * 8, value >> BigInt(byte * 8)));
}

/** Replaces `size` bytes at byte `byte` of a 64-bit value (a narrow write to a wide register). */
export function deposit64(old: bigint, byte: number, size: 1 | 2 | 4, value: number): bigint {
  const shift = BigInt(byte * 8);
  const mask = ((1n << BigInt(size * 8)) - 1n) << shift;
  return (old & ~mask) | ((BigInt(value >>> 0) << shift) & mask);
}

/** Extracts `size` bytes at byte `byte` of a 32-bit value. */
export function extract32(value: number, byte: number, size: 1 | 2 | 4): number {
  const shifted = value >>> (byte * 8);
  return size === 4 ? shifted >>> 0 : shifted & ((1 << (size * 8)) - 1);
}

/** Replaces `size` bytes at byte `byte` of a 32-bit value. */
export function deposit32(old: number, byte: number, size: 1 | 2 | 4, value: number): number {
  if (size === 4) return value >>> 0;
  const mask = ((1 << (size * 8)) - 1) << (byte * 8);
  return ((old & ~mask) | ((value << (byte * 8)) & mask)) >>> 0;
}

/**
 * The physical address space: regions of device registers or memory mapped at addresses, and
 * 8/16/32/64-bit little-endian accesses dispatched to them (QEMU MemoryRegion, Renode
 * SystemBus).
 *
 * Each region declares the access sizes it accepts and whether they must be naturally aligned.
 * An access to no region, or one the region does not accept, is a bus error: a `bus_error` trace
 * event, then the bus's policy: `ignore` (reads return all ones, writes are dropped, as most
 * buses float high) or `throw` (a typed BusError, for tests that want misuse to stop them).
 *
 * Lookup is a binary search over the sorted regions behind a last-hit cache, so a driver that
 * hammers one device pays a compare or two per access.
 */
import type { Tracer } from "./trace.js";
import { events } from "./trace-events.js";

export type AccessSize = 1 | 2 | 4 | 8;

/** A device's side of the bus. Offsets are relative to the region base. */
export interface MmioOps {
  /** Reads 1, 2 or 4 bytes; returns an unsigned value of that width. */
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
  /** Required when the region accepts 8-byte accesses. */
  read64?(offset: number): bigint;
  write64?(offset: number, value: bigint): void;
}

export interface RegionOptions {
  /** Access sizes the region accepts (default: 4 only). */
  readonly sizes?: readonly AccessSize[];
  /** Whether accesses may be unaligned to their size (default: false). */
  readonly unaligned?: boolean;
}

export class Region {
  readonly end: number;
  /** Bit n set: an access of n bytes is accepted. */
  readonly sizeMask: number;
  readonly unaligned: boolean;

  constructor(
    readonly name: string,
    readonly base: number,
    readonly size: number,
    readonly ops: MmioOps,
    options: RegionOptions = {},
  ) {
    if (!Number.isSafeInteger(base) || base < 0) throw new RangeError(`region '${name}': bad base ${base}`);
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`region '${name}': bad size ${size}`);
    this.end = base + size;
    const sizes = options.sizes ?? [4];
    this.sizeMask = sizes.reduce((m, s) => m | s, 0);
    this.unaligned = options.unaligned ?? false;
    if (this.sizeMask & 8 && (ops.read64 === undefined || ops.write64 === undefined)) {
      throw new TypeError(`region '${name}' accepts 8-byte accesses but has no read64/write64`);
    }
  }
}

export type BusErrorPolicy = "ignore" | "throw";

export type BusErrorReason = "unmapped" | "size" | "alignment";

export class BusError extends Error {
  override readonly name = "BusError";
  constructor(
    readonly addr: number,
    readonly size: AccessSize,
    readonly isWrite: boolean,
    readonly reason: BusErrorReason,
    readonly region: string | undefined,
  ) {
    const what = isWrite ? "write" : "read";
    const where = region === undefined ? "" : ` in region '${region}'`;
    super(`bus error: ${size}-byte ${what} at 0x${addr.toString(16)}${where}: ${reasonText(reason)}`);
  }
}

function reasonText(reason: BusErrorReason): string {
  switch (reason) {
    case "unmapped":
      return "no device is mapped there";
    case "size":
      return "the device does not accept this access size";
    case "alignment":
      return "the access is not naturally aligned";
  }
}

const ALL_ONES: Readonly<Record<1 | 2 | 4, number>> = { 1: 0xff, 2: 0xffff, 4: 0xffff_ffff };

export class Bus {
  private regions: Region[] = [];
  private last: Region | null = null;
  /** Bus errors seen, for summaries. */
  errors = 0;

  constructor(
    private readonly tracer: Tracer,
    public policy: BusErrorPolicy = "ignore",
  ) {}

  /** Maps a region; overlapping an existing region is a wiring bug and throws. */
  map(region: Region): Region {
    for (const r of this.regions) {
      if (region.base < r.end && r.base < region.end) {
        throw new RangeError(`region '${region.name}' [0x${region.base.toString(16)}, 0x${region.end.toString(16)}) overlaps '${r.name}'`);
      }
    }
    this.regions = [...this.regions, region].sort((a, b) => a.base - b.base);
    return region;
  }

  unmap(region: Region): void {
    this.regions = this.regions.filter((r) => r !== region);
    if (this.last === region) this.last = null;
  }

  /** The region containing `addr`, if any. */
  find(addr: number): Region | undefined {
    const last = this.last;
    if (last !== null && addr >= last.base && addr < last.end) return last;
    const rs = this.regions;
    let lo = 0;
    let hi = rs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = rs[mid]!;
      if (addr < r.base) hi = mid - 1;
      else if (addr >= r.end) lo = mid + 1;
      else {
        this.last = r;
        return r;
      }
    }
    return undefined;
  }

  read8(addr: number): number {
    return this.read(addr, 1);
  }
  read16(addr: number): number {
    return this.read(addr, 2);
  }
  read32(addr: number): number {
    return this.read(addr, 4);
  }
  write8(addr: number, value: number): void {
    this.write(addr, 1, value);
  }
  write16(addr: number, value: number): void {
    this.write(addr, 2, value);
  }
  write32(addr: number, value: number): void {
    this.write(addr, 4, value);
  }

  read(addr: number, size: 1 | 2 | 4): number {
    const r = this.target(addr, size, false);
    if (r === undefined) return ALL_ONES[size];
    return r.ops.read(addr - r.base, size);
  }

  write(addr: number, size: 1 | 2 | 4, value: number): void {
    const r = this.target(addr, size, true);
    if (r !== undefined) r.ops.write(addr - r.base, size, value);
  }

  read64(addr: number): bigint {
    const r = this.target(addr, 8, false);
    if (r === undefined) return 0xffff_ffff_ffff_ffffn;
    return r.ops.read64!(addr - r.base);
  }

  write64(addr: number, value: bigint): void {
    const r = this.target(addr, 8, true);
    if (r !== undefined) r.ops.write64!(addr - r.base, BigInt.asUintN(64, value));
  }

  /** The region that accepts this access, or undefined after reporting the bus error. */
  private target(addr: number, size: AccessSize, isWrite: boolean): Region | undefined {
    const r = this.find(addr);
    if (r === undefined || addr + size > r.end) return this.fault(addr, size, isWrite, "unmapped", r);
    if ((r.sizeMask & size) === 0) return this.fault(addr, size, isWrite, "size", r);
    if (!r.unaligned && (addr & (size - 1)) !== 0) return this.fault(addr, size, isWrite, "alignment", r);
    return r;
  }

  private fault(addr: number, size: AccessSize, isWrite: boolean, reason: BusErrorReason, r: Region | undefined): undefined {
    this.errors++;
    if (this.tracer.on) this.tracer.emit(events.bus_error, addr, size, isWrite ? 1 : 0, reason);
    if (this.policy === "throw") throw new BusError(addr, size, isWrite, reason, r?.name);
    return undefined;
  }
}

/**
 * DRAM: a block of RAM mapped on the bus, plus direct typed access for bus masters.
 *
 * The CPU side (drivers writing command buffers, `dma_sync_single_for_device`) goes through the
 * bus like any MMIO: `bus.write32(pa, v)` lands in `read`/`write` below, sizes 1, 2, 4 and 8,
 * little-endian, unaligned accesses allowed (RAM does not care).
 *
 * Bus masters that stream memory, such as the GCE fetching its command buffer, use `readU32`,
 * `words` and `bytes` instead of one `bus.read32` per word. That is what a real master's burst
 * read is: one bus transaction moving many words straight from the memory controller, with no
 * per-word address decode. The data are the same bytes either way; only the host cost differs
 * (a typed-array load instead of a region lookup, a dispatch and a DataView call).
 *
 * Not modelled: memory timing (latency, bandwidth, refresh), ECC, caches and their coherence
 * (the CPU's `dma_sync_*` calls are no-ops against this model: every write is visible at once),
 * IOMMUs. The array is allocated eagerly, so size it for the scenario (tens of MiB, not GiB).
 */
import { Region, type MmioOps } from "../../sim/bus.js";

/** True when the host stores a Uint32Array little-endian, so `words[i]` is the LE word at 4i. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export interface DramProps {
  /** Region name on the bus (default "dram"). */
  readonly name?: string;
  /** Physical base address; a multiple of 8. */
  readonly base: number;
  /** Size in bytes; a positive multiple of 8. */
  readonly size: number;
}

export class Dram implements MmioOps {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  /** One past the last byte. */
  readonly end: number;
  /** The bus region; the platform maps it (`bus.map(dram.region)`). */
  readonly region: Region;
  /** The memory as bytes. */
  readonly u8: Uint8Array;
  /**
   * The memory as 32-bit words, word i at byte 4i, for masters that fetch aligned words
   * (`words[(pa - base) >>> 2]`). Undefined on a big-endian host, where `readU32` must be used.
   */
  readonly words: Uint32Array | undefined;
  private readonly view: DataView;

  constructor(props: DramProps) {
    const { base, size } = props;
    this.name = props.name ?? "dram";
    if (!Number.isSafeInteger(base) || base < 0 || base % 8 !== 0) throw new RangeError(`dram '${this.name}': base ${base} must be a non-negative multiple of 8`);
    if (!Number.isSafeInteger(size) || size <= 0 || size % 8 !== 0) throw new RangeError(`dram '${this.name}': size ${size} must be a positive multiple of 8`);
    this.base = base;
    this.size = size;
    this.end = base + size;
    const buffer = new ArrayBuffer(size);
    this.u8 = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.words = HOST_LITTLE_ENDIAN ? new Uint32Array(buffer) : undefined;
    this.region = new Region(this.name, base, size, this, { sizes: [1, 2, 4, 8], unaligned: true });
  }

  /** True when [pa, pa + len) lies inside this memory. */
  contains(pa: number, len: number): boolean {
    return pa >= this.base && len >= 0 && pa + len <= this.end;
  }

  // Bus side (offsets relative to `base`; the bus has checked the range).

  read(offset: number, size: 1 | 2 | 4): number {
    switch (size) {
      case 1:
        return this.u8[offset]!;
      case 2:
        return this.view.getUint16(offset, true);
      case 4:
        return this.view.getUint32(offset, true);
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    switch (size) {
      case 1:
        this.u8[offset] = value;
        return;
      case 2:
        this.view.setUint16(offset, value, true);
        return;
      case 4:
        this.view.setUint32(offset, value >>> 0, true);
        return;
    }
  }

  read64(offset: number): bigint {
    return this.view.getBigUint64(offset, true);
  }

  write64(offset: number, value: bigint): void {
    this.view.setBigUint64(offset, BigInt.asUintN(64, value), true);
  }

  // Master side (physical addresses). Out-of-range accesses are caller bugs and throw; a master
  // that can be pointed anywhere by the guest checks `contains` first and reports its own error.

  /** The little-endian u32 at `pa` (any alignment). */
  readU32(pa: number): number {
    const o = this.offsetOf(pa, 4);
    if (this.words !== undefined && (o & 3) === 0) return this.words[o >>> 2]!;
    return this.view.getUint32(o, true);
  }

  writeU32(pa: number, value: number): void {
    this.view.setUint32(this.offsetOf(pa, 4), value >>> 0, true);
  }

  /** A view (not a copy) of `len` bytes at `pa`: a master's burst read or write. */
  bytes(pa: number, len: number): Uint8Array {
    const o = this.offsetOf(pa, len);
    return this.u8.subarray(o, o + len);
  }

  /** Copies `data` into memory at `pa` (a program loader; `Uint32Array`s are stored little-endian). */
  load(pa: number, data: Uint8Array | Uint32Array): void {
    if (data instanceof Uint8Array) {
      this.u8.set(data, this.offsetOf(pa, data.length));
      return;
    }
    const o = this.offsetOf(pa, data.length * 4);
    for (let i = 0; i < data.length; i++) this.view.setUint32(o + 4 * i, data[i]!, true);
  }

  private offsetOf(pa: number, len: number): number {
    if (!this.contains(pa, len)) {
      throw new RangeError(`dram '${this.name}': ${len} bytes at 0x${pa.toString(16)} are outside [0x${this.base.toString(16)}, 0x${this.end.toString(16)})`);
    }
    return pa - this.base;
  }
}

/**
 * Kernel memory (mm/slab_common.c, include/linux/slab.h, dma-mapping.h), over the RAM the host
 * gives the kernel. An allocation is a range of that RAM: the CPU writes it through `bytes`
 * (the direct map) and devices reach it at its physical address, which is also its DMA address
 * (no IOMMU is modelled). So a command buffer a driver builds with ordinary stores is exactly
 * what a bus master fetches.
 *
 * The allocator is first-fit over a free list with 8-byte alignment, and it can fail: when RAM
 * runs out, or on purpose through `should_failslab`, so that unchecked allocations (seed 000's
 * cmdq_mbox_create) can be exercised.
 */
import { kernel, perKernel } from "../kernel/instance.js";

export const GFP_KERNEL = 0;
export const GFP_ATOMIC = 1;
export type gfp_t = number;

export const PAGE_SIZE = 4096;

/** A kmalloc'ed object: `bytes` is its kernel view, `pa` its physical (= DMA) address. */
export interface KBuffer {
  readonly pa: number;
  readonly size: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

interface Block {
  start: number;
  size: number;
}

const statics = perKernel(() => {
  const ram = kernel().host.ram;
  return {
    free: [{ start: 0, size: ram.bytes.length }] as Block[],
    used: new Map<number, number>(),
    /** Fail the n-th next allocation (1 = the next one); 0 = never. */
    fail_nth: 0,
    allocated: 0,
  };
});

/** Makes the `nth` next allocation fail (fault injection, like CONFIG_FAILSLAB's fail-nth). */
export function should_failslab(nth: number): void {
  statics().fail_nth = nth;
}

function take(size: number): number | null {
  const s = statics();
  if (s.fail_nth > 0 && --s.fail_nth === 0) return null;
  const need = Math.max(8, (size + 7) & ~7);
  const i = s.free.findIndex((b) => b.size >= need);
  if (i < 0) return null;
  const b = s.free[i]!;
  const start = b.start;
  b.start += need;
  b.size -= need;
  if (b.size === 0) s.free.splice(i, 1);
  s.used.set(start, need);
  s.allocated += need;
  return start;
}

/**
 * A kmalloc'ed object. Its DataView is made on first use: on a little-endian host the CMDQ
 * helper never asks for it, and making one per allocation cost a few percent of packet building.
 */
class SlabObject implements KBuffer {
  private dataView: DataView | undefined;

  constructor(
    readonly pa: number,
    readonly size: number,
    readonly bytes: Uint8Array,
  ) {}

  get view(): DataView {
    this.dataView ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.size);
    return this.dataView;
  }
}

function buffer(offset: number, size: number): KBuffer {
  const ram = kernel().host.ram;
  return new SlabObject(ram.base + offset, size, ram.bytes.subarray(offset, offset + size));
}

/** kmalloc(size, flags): uninitialised memory, or null. */
export function kmalloc(size: number, _flags: gfp_t): KBuffer | null {
  if (!Number.isSafeInteger(size) || size < 0) return null;
  const off = take(size);
  return off === null ? null : buffer(off, size);
}

/** kzalloc(size, flags): zeroed memory, or null. */
export function kzalloc(size: number, flags: gfp_t): KBuffer | null {
  const b = kmalloc(size, flags);
  b?.bytes.fill(0);
  return b;
}

/** kfree(ptr); kfree(null) is a no-op, and freeing twice is a kernel bug. */
export function kfree(ptr: KBuffer | null | undefined): void {
  if (ptr === null || ptr === undefined) return;
  const s = statics();
  const off = ptr.pa - kernel().host.ram.base;
  const size = s.used.get(off);
  if (size === undefined) throw new Error(`kfree of 0x${ptr.pa.toString(16)}: not allocated (double free?)`);
  s.used.delete(off);
  s.allocated -= size;
  insert_free(s.free, off, size);
}

/** Puts a block back in the address-ordered free list, merging it with its neighbours. */
function insert_free(free: Block[], start: number, size: number): void {
  let lo = 0;
  let hi = free.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (free[mid]!.start < start) lo = mid + 1;
    else hi = mid;
  }
  const prev = free[lo - 1];
  const next = free[lo];
  if (prev !== undefined && prev.start + prev.size === start) {
    prev.size += size;
    if (next !== undefined && prev.start + prev.size === next.start) {
      prev.size += next.size;
      free.splice(lo, 1);
    }
  } else if (next !== undefined && start + size === next.start) {
    next.start = start;
    next.size += size;
  } else {
    free.splice(lo, 0, { start, size });
  }
}

/** Bytes currently allocated (for leak checks in tests and summaries). */
export function kmalloc_allocated(): number {
  return statics().allocated;
}

export type dma_addr_t = number;
export const DMA_TO_DEVICE = 1;

/** dma_map_single(): the DMA address of a buffer (identity: no IOMMU). */
export function dma_map_single(buf: KBuffer, _size: number, _dir: number): dma_addr_t {
  return buf.pa;
}

export function dma_unmap_single(_addr: dma_addr_t, _size: number, _dir: number): void {}

/** Cache maintenance is a no-op: the model's CPU and devices share coherent memory. */
export function dma_sync_single_for_device(_addr: dma_addr_t, _size: number, _dir: number): void {}
export function dma_sync_single_for_cpu(_addr: dma_addr_t, _size: number, _dir: number): void {}

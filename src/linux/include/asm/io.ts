/**
 * MMIO accessors (arch/x86/include/asm/io.h, asm-generic/io.h): the only way kernel code reaches
 * device registers. They go through the host to the bus, as the CPU's loads and stores would,
 * so a fault the platform injects there (a stall, a late write) is what the driver sees.
 * Argument order is the kernel's: `writel(value, addr)`.
 */
import { kernel } from "../../kernel/instance.js";

/** A device-memory address returned by ioremap (here the physical address itself). */
export type IoMem = number & { readonly __iomem: true };

/** ioremap(): maps `size` bytes of device memory; the model has no MMU, so it is the identity. */
export function ioremap(phys: number, size: number): IoMem | null {
  if (!Number.isSafeInteger(phys) || phys < 0 || !Number.isSafeInteger(size) || size <= 0) return null;
  return phys as IoMem;
}

export function iounmap(_addr: IoMem): void {}

/** Offsets an __iomem pointer (C's `base + off`). */
export function io_add(base: IoMem, offset: number): IoMem {
  return (base + offset) as IoMem;
}

export function readb(addr: IoMem): number {
  const k = kernel();
  return k.host.mmio_read(k.cpu, addr, 1);
}

export function readw(addr: IoMem): number {
  const k = kernel();
  return k.host.mmio_read(k.cpu, addr, 2);
}

export function readl(addr: IoMem): number {
  const k = kernel();
  return k.host.mmio_read(k.cpu, addr, 4);
}

export function readq(addr: IoMem): bigint {
  const k = kernel();
  return k.host.mmio_read64(k.cpu, addr);
}

export function writeb(value: number, addr: IoMem): void {
  const k = kernel();
  k.host.mmio_write(k.cpu, addr, 1, value & 0xff);
}

export function writew(value: number, addr: IoMem): void {
  const k = kernel();
  k.host.mmio_write(k.cpu, addr, 2, value & 0xffff);
}

export function writel(value: number, addr: IoMem): void {
  const k = kernel();
  k.host.mmio_write(k.cpu, addr, 4, value >>> 0);
}

export function writeq(value: bigint, addr: IoMem): void {
  const k = kernel();
  k.host.mmio_write64(k.cpu, addr, BigInt.asUintN(64, value));
}

import { describe, expect, it } from "vitest";
import { kfree, kmalloc_allocated, kzalloc, should_failslab, GFP_KERNEL } from "../../../src/linux/mm/slab.js";
import { testMachine } from "../../support/kernel-host.js";

describe("kernel memory", () => {
  it("hands out zeroed, 8-byte aligned buffers whose physical address is where the bytes live in RAM", () => {
    const m = testMachine({ ramBytes: 4096 });
    m.on(0, () => {
      const a = kzalloc(10, GFP_KERNEL)!;
      const b = kzalloc(16, GFP_KERNEL)!;
      expect(a.pa).toBe(0x4000_0000);
      expect(b.pa).toBe(0x4000_0010);
      b.view.setUint32(0, 0xdeadbeef, true);
      expect(m.kernel.host.ram.bytes[0x10]).toBe(0xef);
      expect(kmalloc_allocated()).toBe(32);
    });
  });

  it("returns null when memory runs out or a failure is injected, and reuses freed memory", () => {
    const m = testMachine({ ramBytes: 64 });
    m.on(0, () => {
      const a = kzalloc(48, GFP_KERNEL)!;
      expect(kzalloc(32, GFP_KERNEL)).toBeNull();
      kfree(a);
      expect(kmalloc_allocated()).toBe(0);
      expect(kzalloc(64, GFP_KERNEL)?.pa).toBe(0x4000_0000);
    });
    const n = testMachine();
    n.on(0, () => {
      should_failslab(2);
      expect(kzalloc(8, GFP_KERNEL)).not.toBeNull();
      expect(kzalloc(8, GFP_KERNEL)).toBeNull();
      expect(kzalloc(8, GFP_KERNEL)).not.toBeNull();
    });
  });

  it("treats a double free as a kernel bug", () => {
    const m = testMachine();
    m.on(0, () => {
      const a = kzalloc(8, GFP_KERNEL)!;
      kfree(a);
      kfree(null);
      expect(() => kfree(a)).toThrow(/double free/);
    });
  });
});

import fc from "fast-check";
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

  it("never hands out overlapping memory and coalesces back to one block, whatever the order of frees", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 300 }), fc.boolean()), { maxLength: 60 }), (ops) => {
        const m = testMachine({ ramBytes: 8192 });
        return m.on(0, () => {
          const live: Array<{ pa: number; size: number; b: ReturnType<typeof kzalloc> }> = [];
          for (const [size, free] of ops) {
            if (free && live.length > 0) kfree(live.splice(size % live.length, 1)[0]!.b);
            const b = kzalloc(size, GFP_KERNEL);
            if (b !== null) live.push({ pa: b.pa, size: b.size, b });
          }
          const sorted = [...live].sort((a, b) => a.pa - b.pa);
          for (let i = 1; i < sorted.length; i++) if (sorted[i - 1]!.pa + sorted[i - 1]!.size > sorted[i]!.pa) return false;
          for (const l of live) kfree(l.b);
          // Everything merged back: the whole RAM is one free block again.
          return kmalloc_allocated() === 0 && kzalloc(8192, GFP_KERNEL)?.pa === 0x4000_0000;
        });
      }),
      { numRuns: 200 },
    );
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

/**
 * The x86-pc board as a device tree in the CE4100 binding (boards/x86-pc.dts): the models where
 * the nodes put them, and what the kernel reads from the tree as arch/x86/kernel/devicetree.c
 * does (x86_dtb_parse_smp_config: hpet_address, the LAPIC, the CPUs' APIC ids, the IOAPICs).
 */
import { describe, expect, it } from "vitest";
import { X86Pc } from "../../src/platform/boards/x86-pc.js";
import { BoardError } from "../../src/platform/boards/board-tree.js";
import { for_each_of_cpu_node } from "../../src/linux/include/linux/of.js";

const MS = 1_000_000;

describe("x86-pc from boards/x86-pc.dts", () => {
  it("gives the kernel the tree's CPUs, LAPIC, IOAPIC (GSI 0-23) and HPET address", () => {
    const pc = new X86Pc().boot();
    expect(pc.report().devicetree).toEqual({
      file: "x86-pc.dts",
      apicIds: [0, 1],
      lapicAddress: 0xfee0_0000,
      ioapics: [{ id: 1, address: 0xfec0_0000, gsiBase: 0, gsiEnd: 23 }],
      hpetAddress: 0xfed0_0000,
    });
    // dtb_lapic_setup: no intel,virtual-wire-mode property, so PIC mode.
    expect(pc.dmesg()).toContain("IMCR and PIC compatibility mode.");
  });

  it("writes the cpus option into /cpus: four cpu nodes, four CPUs, APIC ids 0-3", () => {
    const pc = new X86Pc({ cpus: 4 });
    expect(for_each_of_cpu_node(pc.tree.root).map((c) => c.full_name)).toEqual(["cpu@0", "cpu@1", "cpu@2", "cpu@3"]);
    pc.boot();
    pc.runFor(100 * MS);
    const r = pc.report();
    expect(r.devicetree.apicIds).toEqual([0, 1, 2, 3]);
    expect(r.cpus).toHaveLength(4);
  });

  it("runs the HPET where its node says: the driver maps hpet_address from the tree and its self-test passes", () => {
    const pc = new X86Pc({ cpus: 1, dtsOverlay: "&hpet { reg = <0xfed01000 0x400>; };" }).boot();
    pc.runFor(100 * MS);
    const r = pc.report();
    expect(r.devicetree.hpetAddress).toBe(0xfed0_1000);
    expect(pc.hpetBase).toBe(0xfed0_1000);
    expect(r.hpet).toMatchObject({ selftest: "passed" });
    expect(r.busErrors).toBe(0);
  });

  it("removes the HPET node for hpet.present: false, so the kernel finds none", () => {
    const pc = new X86Pc({ cpus: 1, hpet: { present: false } }).boot();
    pc.runFor(50 * MS);
    expect(pc.report().devicetree.hpetAddress).toBeNull();
    expect(pc.hpet).toBeNull();
    expect(pc.report().cpus[0]!.tickDevice).toBe("lapic");
  });

  it("reads intel,virtual-wire-mode on the LAPIC node as devicetree.c does", () => {
    const pc = new X86Pc({ cpus: 1, dtsOverlay: "&lapic0 { intel,virtual-wire-mode; };" }).boot();
    expect(pc.dmesg()).toContain("Virtual Wire compatibility mode.");
  });

  it("refuses trees the models cannot follow, naming the node", () => {
    expect(() => new X86Pc({ dtsOverlay: "&cpu1 { reg = <5>; };" })).toThrow(new BoardError("x86-pc: cpu1 (cpu@1): reg = <5>; the local APIC ids must be 0..1 in tree order"));
    expect(() => new X86Pc({ dtsOverlay: "&lapic0 { reg = <0xfee10000 0x1000>; };" })).toThrow(
      new BoardError("x86-pc: lapic0 (interrupt-controller@fee00000): the local APIC model sits at 0xfee00000 (the interrupt-message window), not 0xfee10000"),
    );
    expect(() => new X86Pc({ dtsOverlay: '&{/soc@0} { interrupt-controller@fec10000 { compatible = "intel,ce4100-ioapic"; reg = <0xfec10000 0x1000>; }; };' })).toThrow(
      /has 2 intel,ce4100-ioapic nodes; the board models one IOAPIC/,
    );
  });
});

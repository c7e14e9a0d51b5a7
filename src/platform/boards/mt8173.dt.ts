/**
 * The mt8173 board's device tree, built as the kernel's `device_node`s (a DTS/DTB reader would
 * produce the same nodes). It follows ../shared/spec/dts/mt8173-gce-seed-era.dtsi (the GCE with
 * `#mbox-cells = <2>`, the mmsys client with `mboxes` and a `reg` the seed's helper derives the
 * subsys from, display blocks at 0x1400xxxx/0x1401xxxx/0x1402xxxx, the 0x1500xxxx imgsys with no
 * subsys), with the interrupt numbers of mainline mt8173.dtsi
 * (../shared/spec/dts/mt8173-gce-mainline.resolved.dts), plus what a bootable board needs around
 * it: the GIC the `interrupts` refer to, the GPT timer (mainline mt8173.dtsi: timer@10008000,
 * SPI 144) and the 13 MHz fixed clock it counts.
 */
import {
  of_node_alloc,
  of_node_attach,
  of_prop_bool,
  of_prop_string,
  of_prop_u32,
  type device_node,
  type property,
} from "../../linux/include/linux/of.js";

export const MT8173_GCE_BASE = 0x1021_2000;
export const MT8173_GPT_BASE = 0x1000_8000;
export const MT8173_GIC_BASE = 0x1022_0000;
/** GIC SPI numbers (mainline mt8173.dtsi). */
export const MT8173_SPI = { gpt: 144, gce: 135, ovl0: 180, ovl1: 181, rdma0: 182, rdma1: 183, rdma2: 184, wdma0: 185, wdma1: 186, mutex: 169 } as const;
/** IRQ_TYPE_LEVEL_LOW (include/dt-bindings/interrupt-controller/irq.h). */
const IRQ_TYPE_LEVEL_LOW = 8;
const GIC_SPI = 0;

/** Phandles of the tree. */
export const PHANDLE = { gic: 1, clk13m: 2, infracfg: 3, gce: 4 } as const;

export interface Mt8173DtOptions {
  /**
   * The mmsys `mboxes` entries, `<&gce thread cell>` each: the cell is the priority (5.7+
   * binding, the default reading) or atomic_exec (seed binding, "cmdq.seed-xlate").
   * Default: `[[0, 1], [1, 1]]`, as the seed-era and mainline trees.
   */
  readonly mboxes?: ReadonlyArray<readonly [thread: number, cell: number]>;
  /** `#mbox-cells` of the GCE (default 2; 3 = the 4.19 <thread priority atomic_exec> form). */
  readonly mboxCells?: 2 | 3;
  /** With `mboxCells: 3`, the third cell of every entry (atomic_exec). */
  readonly atomicExec?: number;
  /** Leave the GCE node out (clients then get -EPROBE_DEFER). */
  readonly withoutGce?: boolean;
}

function reg(base: number, size: number): property {
  return of_prop_u32("reg", 0, base, 0, size);
}

function spi(n: number): property {
  return of_prop_u32("interrupts", GIC_SPI, n, IRQ_TYPE_LEVEL_LOW);
}

/** Builds the tree; returns its root. */
export function mt8173DeviceTree(opts: Mt8173DtOptions = {}): device_node {
  const root = of_node_alloc("", [
    of_prop_u32("#address-cells", 2),
    of_prop_u32("#size-cells", 2),
    of_prop_string("compatible", "mediatek,mt8173-evb", "mediatek,mt8173"),
    of_prop_u32("interrupt-parent", PHANDLE.gic),
  ]);
  of_node_attach(
    root,
    of_node_alloc("clk13m", [of_prop_string("compatible", "fixed-clock"), of_prop_u32("#clock-cells", 0), of_prop_u32("clock-frequency", 13_000_000), of_prop_u32("phandle", PHANDLE.clk13m)]),
  );
  const soc = of_node_attach(
    root,
    of_node_alloc("soc", [of_prop_u32("#address-cells", 2), of_prop_u32("#size-cells", 2), of_prop_string("compatible", "simple-bus"), of_prop_bool("ranges")]),
  );
  const add = (name: string, props: property[]) => of_node_attach(soc, of_node_alloc(name, props));

  add("timer@10008000", [of_prop_string("compatible", "mediatek,mt8173-timer", "mediatek,mt6577-timer"), reg(MT8173_GPT_BASE, 0x1000), spi(MT8173_SPI.gpt), of_prop_u32("clocks", PHANDLE.clk13m)]);
  add("power-controller@10001000", [of_prop_string("compatible", "mediatek,mt8173-infracfg", "syscon"), reg(0x1000_1000, 0x1000), of_prop_u32("#clock-cells", 1), of_prop_u32("phandle", PHANDLE.infracfg)]);
  if (opts.withoutGce !== true) {
    add("gce@10212000", [
      of_prop_string("compatible", "mediatek,mt8173-gce"),
      reg(MT8173_GCE_BASE, 0x1000),
      spi(MT8173_SPI.gce),
      of_prop_u32("clocks", PHANDLE.infracfg, 4),
      of_prop_string("clock-names", "gce"),
      of_prop_u32("#mbox-cells", opts.mboxCells ?? 2),
      of_prop_u32("phandle", PHANDLE.gce),
    ]);
  }
  add("interrupt-controller@10220000", [
    of_prop_string("compatible", "arm,gic-400"),
    of_prop_u32("#interrupt-cells", 3),
    of_prop_bool("interrupt-controller"),
    of_prop_u32("reg", 0, MT8173_GIC_BASE + 0x1000, 0, 0x1000, 0, MT8173_GIC_BASE + 0x2000, 0, 0x2000),
    of_prop_u32("phandle", PHANDLE.gic),
  ]);
  const cells: number[] = [];
  for (const [thread, cell] of opts.mboxes ?? [[0, 1], [1, 1]]) {
    cells.push(PHANDLE.gce, thread, cell);
    if (opts.mboxCells === 3) cells.push(opts.atomicExec ?? 0);
  }
  add("clock-controller@14000000", [
    of_prop_string("compatible", "mediatek,mt8173-mmsys", "syscon"),
    reg(0x1400_0000, 0x1000),
    of_prop_u32("#clock-cells", 1),
    ...(cells.length === 0 ? [] : [of_prop_u32("mboxes", ...cells)]),
  ]);
  const disp = (name: string, compatible: string, base: number, irq?: number) =>
    add(name, [of_prop_string("compatible", compatible), reg(base, 0x1000), ...(irq === undefined ? [] : [spi(irq)])]);
  // subsys 1 (0x1400xxxx)
  disp("ovl@1400c000", "mediatek,mt8173-disp-ovl", 0x1400_c000, MT8173_SPI.ovl0);
  disp("ovl@1400d000", "mediatek,mt8173-disp-ovl", 0x1400_d000, MT8173_SPI.ovl1);
  disp("rdma@1400e000", "mediatek,mt8173-disp-rdma", 0x1400_e000, MT8173_SPI.rdma0);
  disp("rdma@1400f000", "mediatek,mt8173-disp-rdma", 0x1400_f000, MT8173_SPI.rdma1);
  // subsys 2 (0x1401xxxx)
  disp("rdma@14010000", "mediatek,mt8173-disp-rdma", 0x1401_0000, MT8173_SPI.rdma2);
  disp("wdma@14011000", "mediatek,mt8173-disp-wdma", 0x1401_1000, MT8173_SPI.wdma0);
  disp("wdma@14012000", "mediatek,mt8173-disp-wdma", 0x1401_2000, MT8173_SPI.wdma1);
  // subsys 3 (0x1402xxxx)
  disp("mutex@14020000", "mediatek,mt8173-disp-mutex", 0x1402_0000, MT8173_SPI.mutex);
  // negative case: 0x1500xxxx has no subsys in the seed table
  add("clock-controller@15000000", [of_prop_string("compatible", "mediatek,mt8173-imgsys", "syscon"), reg(0x1500_0000, 0x1000)]);
  return root;
}

/** The node named `full_name` under the board's `soc` node, or null. */
export function mt8173Node(root: device_node, full_name: string): device_node | null {
  const soc = root.children.find((c) => c.name === "soc");
  return soc?.children.find((c) => c.full_name === full_name) ?? null;
}

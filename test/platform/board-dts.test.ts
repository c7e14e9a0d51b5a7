/**
 * The built-in boards are DTS files (boards/*.dts), embedded for the browser in
 * src/platform/boards/board-dts.ts by scripts/embed-dts.mjs; the module must match the files.
 * The trees are checked against the sources the files cite (mainline mt8173.dtsi, the CE4100
 * tree).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BOARD_DTS } from "../../src/platform/boards/board-dts.js";
import { builtinBoardTree, nodeName, type BoardTree } from "../../src/platform/boards/board-tree.js";
import { for_each_of_cpu_node, of_address_to_resource, of_find_node_by_path, of_get_cpu_hwid, resource_init, resource_size } from "../../src/linux/include/linux/of.js";
import { of_irq_get } from "../../src/linux/include/linux/platform_device.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

function reg(t: BoardTree, path: string): [number, number] {
  const r = resource_init();
  expect(of_address_to_resource(of_find_node_by_path(t.root, path), 0, r)).toBe(0);
  return [r.start, resource_size(r)];
}

describe("the embedded board sources", () => {
  it("hold exactly the text of every boards/*.dts file", () => {
    const files = readdirSync(join(ROOT, "boards")).filter((f) => f.endsWith(".dts")).sort();
    expect(Object.keys(BOARD_DTS).sort()).toEqual(files);
    for (const f of files) expect(BOARD_DTS[f], f).toBe(readFileSync(join(ROOT, "boards", f), "utf8"));
  });

  it("are what scripts/embed-dts.mjs writes (its --check passes)", () => {
    expect(() => execFileSync(process.execPath, [join(ROOT, "scripts/embed-dts.mjs"), "--check"], { stdio: "pipe" })).not.toThrow();
  });
});

describe("boards/mt8173.dts", () => {
  const t = builtinBoardTree("mt8173.dts");

  it("puts the GCE, the GPT and DRAM where mainline mt8173.dtsi does, read through #address-cells = <2>, #size-cells = <2>", () => {
    expect(reg(t, "/soc/gce@10212000")).toEqual([0x1021_2000, 0x1000]);
    expect(reg(t, "/soc/timer@10008000")).toEqual([0x1000_8000, 0x1000]);
    expect(reg(t, "/memory@40000000")).toEqual([0x4000_0000, 16 << 20]);
  });

  it("routes the interrupts through the GIC: GCE SPI 135, GPT SPI 144, OVL0 SPI 180, mutex SPI 169 (ID = 32 + SPI)", () => {
    expect(of_irq_get(of_find_node_by_path(t.root, "/soc/gce@10212000"), 0)).toBe(32 + 135);
    expect(of_irq_get(of_find_node_by_path(t.root, "/soc/timer@10008000"), 0)).toBe(32 + 144);
    expect(of_irq_get(of_find_node_by_path(t.root, "/soc/ovl@1400c000"), 0)).toBe(32 + 180);
    expect(of_irq_get(of_find_node_by_path(t.root, "/soc/mutex@14020000"), 0)).toBe(32 + 169);
  });

  it("labels the nodes overlays extend", () => {
    for (const [path, label] of [
      ["/soc/gce@10212000", "gce"],
      ["/soc/clock-controller@14000000", "mmsys"],
      ["/soc/ovl@1400c000", "ovl0"],
      ["/soc/mutex@14020000", "mutex"],
      ["/soc/clock-controller@15000000", "imgsys"],
      ["/soc/interrupt-controller@10221000", "gic"],
    ] as const) {
      expect(nodeName(t, of_find_node_by_path(t.root, path)!)).toBe(`${label} (${path.slice(path.lastIndexOf("/") + 1)})`);
    }
  });

  it("has one CPU", () => {
    expect(for_each_of_cpu_node(t.root).map((c) => c.full_name)).toEqual(["cpu@0"]);
  });
});

describe("boards/x86-pc.dts", () => {
  const t = builtinBoardTree("x86-pc.dts");

  it("is the CE4100 binding: IOAPIC at 0xfec00000, HPET at 0xfed00000, LAPIC at 0xfee00000 (#address-cells = <1>)", () => {
    expect(reg(t, "/soc@0/interrupt-controller@fec00000")[0]).toBe(0xfec0_0000);
    expect(reg(t, "/soc@0/timer@fed00000")).toEqual([0xfed0_0000, 0x400]);
    expect(reg(t, "/soc@0/interrupt-controller@fee00000")[0]).toBe(0xfee0_0000);
  });

  it("lists two CPUs whose reg is the local APIC id", () => {
    expect(for_each_of_cpu_node(t.root).map((c) => of_get_cpu_hwid(c, 0))).toEqual([0, 1]);
  });
});

/**
 * The GCE device-tree inputs of ../shared/spec/dts (see its README.md): the macro-free mainline
 * file read as is, the .dtsi files after substituting the macro values their header comments and
 * the README document (the C preprocessor's job), with stub providers for the labels they use
 * but do not define. Asserted values come from those files and their binding documents.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  of_find_compatible_node,
  of_parse_phandle_with_args,
  of_phandle_args_init,
  of_property_read_u32,
} from "../../../src/linux/include/linux/of.js";
import { parseDts, toDeviceNode, type DtTree } from "../../../src/platform/dt/index.js";
import { cells, dtError, node, prop, strs } from "./helpers.js";
import { DTSI_STUBS, SPEC, preprocess, read } from "./spec-macros.js";

function phandleOf(t: DtTree, path: string): number {
  return new DataView(prop(t, path, "phandle").buffer).getUint32(0);
}

/** The path of the node whose phandle is `ph`. */
function pathOfPhandle(t: DtTree, ph: number): string {
  let found = "";
  const walk = (n: DtTree["root"], path: string): void => {
    const p = n.properties.find((x) => x.name === "phandle");
    if (p !== undefined && new DataView(p.value.buffer).getUint32(0) === ph) found = path;
    for (const c of n.children) walk(c, path === "/" ? `/${c.name}` : `${path}/${c.name}`);
  };
  walk(t.root, "/");
  return found;
}

/** Line and column (1-based) of the first occurrence of `needle`, found independently of the parser. */
function positionOf(text: string, needle: string): [number, number] {
  const lines = text.split("\n");
  const line = lines.findIndex((l) => l.includes(needle));
  return [line + 1, lines[line]!.indexOf(needle) + 1];
}

describe.skipIf(!existsSync(SPEC))("the spec's GCE device trees (../shared/spec/dts)", () => {
  const GCE = "/soc/mailbox@10212000";

  describe("mt8173-gce-mainline.resolved.dts, read as it is", () => {
    const t = parseDts(read("mt8173-gce-mainline.resolved.dts"), { file: "mt8173-gce-mainline.resolved.dts" });

    it("has the GCE with its register window, interrupt, clock and #mbox-cells", () => {
      expect(prop(t, GCE, "compatible")).toEqual(strs("mediatek,mt8173-gce"));
      expect(prop(t, GCE, "reg")).toEqual(cells(0, 0x1021_2000, 0, 0x1000));
      expect(prop(t, GCE, "interrupts")).toEqual(cells(0, 135, 8)); // GIC_SPI 135 IRQ_TYPE_LEVEL_LOW
      expect(prop(t, GCE, "#mbox-cells")).toEqual(cells(2));
      expect(prop(t, GCE, "clock-names")).toEqual(strs("gce"));
    });

    it("numbers phandles in the order dtc meets references: infracfg (the GCE's clock) 1, then the GCE 2", () => {
      expect(phandleOf(t, "/soc/power-controller@10001000")).toBe(1);
      expect(phandleOf(t, GCE)).toBe(2);
      expect(prop(t, GCE, "clocks")).toEqual(cells(1, 4)); // <&infracfg CLK_INFRA_GCE>
    });

    it("gives mmsys two mailbox channels <&gce thread priority> and every client its subsys window", () => {
      expect(prop(t, "/soc/syscon@14000000", "mboxes")).toEqual(cells(2, 0, 1, 2, 1, 1));
      expect(prop(t, "/soc/syscon@14000000", "mediatek,gce-client-reg")).toEqual(cells(2, 1, 0, 0x1000));
      expect(prop(t, "/soc/rdma@14010000", "mediatek,gce-client-reg")).toEqual(cells(2, 2, 0, 0x1000));
      expect(prop(t, "/soc/mutex@14020000", "mediatek,gce-client-reg")).toEqual(cells(2, 3, 0, 0x1000));
      expect(prop(t, "/soc/mutex@14020000", "mediatek,gce-events")).toEqual(cells(53, 54));
      expect(node(t, "/soc").children).toHaveLength(17);
    });

    it("becomes a kernel device tree whose mboxes resolve to the GCE (of_parse_phandle_with_args)", () => {
      const root = toDeviceNode(t);
      const mmsys = of_find_compatible_node(root, "mediatek,mt8173-mmsys");
      const args = of_phandle_args_init();
      expect(of_parse_phandle_with_args(mmsys, "mboxes", "#mbox-cells", 1, args)).toBe(0);
      expect(args.np?.full_name).toBe("mailbox@10212000");
      expect(args.np?.name).toBe("mailbox");
      expect(args.args).toEqual([1, 1]);
      const cellsOut = { value: 0 };
      expect(of_property_read_u32(args.np, "#mbox-cells", cellsOut)).toBe(0);
      expect(cellsOut.value).toBe(2);
    });
  });

  describe("mt8173-gce-mainline.dtsi", () => {
    const text = read("mt8173-gce-mainline.dtsi");

    it("stops at the first macro with the C preprocessor error, at its line and column", () => {
      const [line, column] = positionOf(text, "GIC_SPI");
      const e = dtError(() => parseDts(`/dts-v1/; ${text}`, { file: "mt8173-gce-mainline.dtsi" }));
      expect([e.file, e.line, e.column]).toEqual(["mt8173-gce-mainline.dtsi", line, column]);
      expect(e.reason).toMatch(/^unknown identifier 'GIC_SPI': vplat does not run the C preprocessor/);
    });

    it("after substitution has the values of the resolved file", () => {
      const t = parseDts(preprocess(text, DTSI_STUBS["mt8173-gce-mainline.dtsi"]!));
      const resolved = parseDts(read("mt8173-gce-mainline.resolved.dts"));
      for (const name of ["compatible", "reg", "interrupts", "clock-names", "#mbox-cells"]) {
        expect(prop(t, GCE, name), name).toEqual(prop(resolved, GCE, name));
      }
      const gce = phandleOf(t, GCE);
      expect(pathOfPhandle(t, new DataView(prop(t, GCE, "clocks").buffer).getUint32(0))).toBe("/stub-infracfg");
      expect(prop(t, "/soc/syscon@14000000", "mboxes")).toEqual(cells(gce, 0, 1, gce, 1, 1));
      expect(prop(t, "/soc/ovl@1400c000", "mediatek,gce-client-reg")).toEqual(cells(gce, 1, 0xc000, 0x1000));
      expect(prop(t, "/soc/mutex@14020000", "mediatek,gce-events")).toEqual(cells(53, 54));
      expect(pathOfPhandle(t, new DataView(prop(t, "/soc/ovl@1400c000", "clocks").buffer).getUint32(0))).toBe("/soc/syscon@14000000");
    });
  });

  it("mt8173-gce-2018-3cells.dtsi: three mailbox cells <thread priority atomic_exec> and the 4.19 client properties", () => {
    const text = read("mt8173-gce-2018-3cells.dtsi");
    const e = dtError(() => parseDts(`/dts-v1/; ${text}`, { file: "3cells.dtsi" }));
    expect([e.line, e.column]).toEqual(positionOf(text, "GIC_SPI"));
    const t = parseDts(preprocess(text, DTSI_STUBS["mt8173-gce-2018-3cells.dtsi"]!));
    const gce = phandleOf(t, "/soc/gce@10212000");
    expect(prop(t, "/soc/gce@10212000", "#mbox-cells")).toEqual(cells(3));
    expect(prop(t, "/soc/clock-controller@14000000", "mboxes")).toEqual(cells(gce, 0, 0, 1, gce, 1, 0, 1));
    expect(prop(t, "/soc/clock-controller@14000000", "mediatek,gce-subsys")).toEqual(cells(1));
    expect(prop(t, "/soc/clock-controller@14000000", "mutex-event-eof")).toEqual(cells(53, 54));
  });

  it("mt8173-gce-seed-era.dtsi: two cells <thread atomic_exec>, clients known by reg only", () => {
    const text = read("mt8173-gce-seed-era.dtsi");
    const e = dtError(() => parseDts(`/dts-v1/; ${text}`, { file: "seed.dtsi" }));
    expect([e.line, e.column]).toEqual(positionOf(text, "GIC_SPI"));
    const t = parseDts(preprocess(text, DTSI_STUBS["mt8173-gce-seed-era.dtsi"]!));
    const gce = phandleOf(t, "/soc/gce@10212000");
    expect(prop(t, "/soc/clock-controller@14000000", "mboxes")).toEqual(cells(gce, 0, 1, gce, 1, 1));
    expect(prop(t, "/soc/clock-controller@15000000", "reg")).toEqual(cells(0, 0x1500_0000, 0, 0x1000));
    expect(prop(t, "/soc/rdma@14010000", "reg")).toEqual(cells(0, 0x1401_0000, 0, 0x1000));
  });

  it("mt8183-gce.dtsi: the GCE at 0x10238000 and the mutex's stream-done events 130 and 131", () => {
    const t = parseDts(preprocess(read("mt8183-gce.dtsi"), DTSI_STUBS["mt8183-gce.dtsi"]!));
    const gce = phandleOf(t, "/soc/mailbox@10238000");
    expect(prop(t, "/soc/mailbox@10238000", "reg")).toEqual(cells(0, 0x1023_8000, 0, 0x4000));
    expect(prop(t, "/soc/mailbox@10238000", "interrupts")).toEqual(cells(0, 162, 8));
    expect(prop(t, "/soc/syscon@14000000", "mboxes")).toEqual(cells(gce, 0, 1, gce, 1, 1));
    expect(prop(t, "/soc/aal@14010000", "mediatek,gce-client-reg")).toEqual(cells(gce, 2, 0, 0x1000));
    expect(prop(t, "/soc/mutex@14016000", "mediatek,gce-events")).toEqual(cells(130, 131));
  });

  it("mt8195-gce.dtsi: two GCEs, reachable through /aliases paths", () => {
    const t = parseDts(preprocess(read("mt8195-gce.dtsi"), DTSI_STUBS["mt8195-gce.dtsi"]!));
    expect(prop(t, "/aliases", "gce0")).toEqual(strs("/soc/mailbox@10320000"));
    expect(prop(t, "/aliases", "gce1")).toEqual(strs("/soc/mailbox@10330000"));
    expect(prop(t, "/soc/mailbox@10330000", "interrupts")).toEqual(cells(0, 228, 4, 0));
  });
});

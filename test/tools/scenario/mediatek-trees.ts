/**
 * mt8183 and mt8195 boards as files a scenario names: a top-level DTS with what a board needs
 * beyond the spec fragment (root compatible, CPU, memory, GIC; the values of
 * test/platform/spec-boards.ts) that /include/s the fragment, and the fragment with the macro
 * values its header documents substituted (what `cpp` would have done).
 */
import { parseDts, writeDtb } from "../../../src/platform/dt/index.js";
import { SPEC, substituted } from "../../platform/spec-boards.js";

export { SPEC };

export type MediatekSoc = "mt8183" | "mt8195";

/**
 * The fragment has no client on mt8195: a display client on both GCEs, as mt8195.dtsi's vdosys
 * nodes (the one test/platform/mediatek-gce.test.ts adds).
 */
export const MT8195_CLIENT = `&{/soc} { vdosys0: syscon@1c01a000 { compatible = "mediatek,mt8195-mmsys", "syscon"; reg = <0 0x1c01a000 0 0x1000>; mboxes = <&gce0 0 0>, <&gce1 5 3>; }; };`;

/** The top-level DTS of `soc`'s board, including `${soc}-gce.dtsi`, then `extra`. */
export function boardDts(soc: MediatekSoc, extra = ""): string {
  // mt8195's GICv3 specifiers have the 4th (PPI partition) cell.
  const gicCells = soc === "mt8195" ? 4 : 3;
  const clock = soc === "mt8195" ? "infracfg_ao" : "infracfg";
  return `/dts-v1/;
/ {
	compatible = "mediatek,${soc}";
	#address-cells = <2>;
	#size-cells = <2>;
	interrupt-parent = <&gic>;
	cpus {
		#address-cells = <1>;
		#size-cells = <0>;
		cpu@0 { device_type = "cpu"; compatible = "arm,cortex-a53"; reg = <0>; };
	};
	memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x1000000>; };
	soc {
		#address-cells = <2>;
		#size-cells = <2>;
		compatible = "simple-bus";
		ranges;
		gic: interrupt-controller@c000000 {
			compatible = "arm,gic-v3";
			#interrupt-cells = <${gicCells}>;
			interrupt-controller;
			reg = <0 0x0c000000 0 0x40000>;
		};
		${clock}: syscon@10001000 { compatible = "syscon"; reg = <0 0x10001000 0 0x1000>; #clock-cells = <1>; };
	};
};
/include/ "${soc}-gce.dtsi"
${extra}
`;
}

/** The files of `soc`'s board under `dir` ("" for the current directory): `${soc}.dts` and its fragment. */
export function boardFiles(soc: MediatekSoc, extra = "", dir = ""): Record<string, string> {
  return { [`${dir}${soc}.dts`]: boardDts(soc, extra), [`${dir}${soc}-gce.dtsi`]: substituted(`${soc}-gce.dtsi`) };
}

/** The same board as a DTB (no labels: dtc writes none without -@). */
export function boardDtb(soc: MediatekSoc, extra = ""): Uint8Array {
  const tree = parseDts(boardDts(soc, extra), { file: `${soc}.dts`, readInclude: (p) => substituted(p) });
  return writeDtb(tree);
}

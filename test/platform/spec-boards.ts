/**
 * The spec's GCE device trees (../shared/spec/dts) as bootable boards. The .dtsi fragments get
 * the macro values their header comments document (DOCUMENTED, shared with the parser's tests:
 * what `cpp` would substitute); the parts of a board the fragments leave out (CPU, memory, GIC,
 * timer, clock providers) come from a small prelude, or, for the mt8173 eras, from
 * boards/mt8173.dts, whose nodes the fragments extend (same paths, same labels).
 */
import { DOCUMENTED, SPEC, read } from "./dt/spec-macros.js";
import { boardTreeFromDts, builtinBoardDts, type BoardTree } from "../../src/platform/boards/board-tree.js";

export { SPEC };

/**
 * Clock macros the fragments use and do not document (mt8195's infracfg_ao clocks): vplat does
 * not model clocks, so any value does.
 */
const UNDOCUMENTED_CLOCKS = /\b(CLK_INFRA_AO_GCE2?)\b/g;

/** A fragment after `cpp`: the documented macro values substituted. */
export function substituted(file: string): string {
  let out = read(file).replace(UNDOCUMENTED_CLOCKS, "0");
  for (const [name, v] of Object.entries(DOCUMENTED)) out = out.replace(new RegExp(`\\b${name}\\b`, "g"), String(v));
  return out;
}

/** boards/mt8173.dts with a spec fragment (seed-era or 2018 3-cell binding) merged after it, and `extra`. */
export function mt8173WithFragment(file: string, extra = ""): BoardTree {
  const readInclude = (p: string) => (p === "mt8173.dts" ? builtinBoardDts("mt8173.dts") : substituted(p));
  return boardTreeFromDts(`/include/ "mt8173.dts"\n/include/ "${file}"\n${extra}\n`, { file: "test.dts", readInclude });
}

/** What an mt8173 board needs that the mainline spec file leaves out (boards/mt8173.dts's values). */
const MT8173_PRELUDE = `
/ {
	interrupt-parent = <&gic>;
	cpus {
		#address-cells = <1>;
		#size-cells = <0>;
		cpu@0 { device_type = "cpu"; compatible = "arm,cortex-a53"; reg = <0>; };
	};
	memory@40000000 { device_type = "memory"; reg = <0 0x40000000 0 0x1000000>; };
	clk13m: oscillator-13m { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <13000000>; };
	soc {
		timer@10008000 {
			compatible = "mediatek,mt8173-timer", "mediatek,mt6577-timer";
			reg = <0 0x10008000 0 0x1000>;
			interrupts = <0 144 8>;
			clocks = <&clk13m>;
		};
		gic: interrupt-controller@10221000 {
			compatible = "arm,gic-400";
			#interrupt-cells = <3>;
			interrupt-controller;
			reg = <0 0x10221000 0 0x1000>;
		};
	};
};
`;

/** mt8173-gce-mainline.resolved.dts as it is, the board parts it lacks, and `extra`. */
export function mt8173Mainline(extra = ""): BoardTree {
  const file = "mt8173-gce-mainline.resolved.dts";
  return boardTreeFromDts(`/include/ "${file}"\n${MT8173_PRELUDE}\n${extra}\n`, { file: "test.dts", readInclude: (p) => read(p) });
}

/** The top-level DTS of an mt8183 or mt8195 board: the root and GIC (its #interrupt-cells), clock stubs, the fragment /include/d, `extra`. */
export function mtkSocDts(soc: "mt8183" | "mt8195", extra = ""): string {
  const gicCells = soc === "mt8195" ? 4 : 3; // mt8195's GICv3 has the 4th (PPI partition) cell
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

/** An mt8183 or mt8195 board tree (mtkSocDts with the fragment's macros substituted). */
export function mtkSoc(soc: "mt8183" | "mt8195", extra = ""): BoardTree {
  return boardTreeFromDts(mtkSocDts(soc, extra), { file: `${soc}.dts`, readInclude: (p) => substituted(p) });
}

/**
 * mt8183 and mt8195 boards as files a scenario names: the top-level DTS of
 * test/platform/spec-boards.ts (root compatible, CPU, memory, GIC) that /include/s the fragment,
 * and the fragment with the macro values its header documents substituted (what `cpp` would
 * have done).
 */
import { parseDts, writeDtb } from "../../../src/platform/dt/index.js";
import { SPEC, mtkSocDts, substituted } from "../../platform/spec-boards.js";

export { SPEC };

export type MediatekSoc = "mt8183" | "mt8195";

/**
 * The fragment has no client on mt8195: a display client on both GCEs, as mt8195.dtsi's vdosys
 * nodes (the one test/platform/mediatek-gce.test.ts adds).
 */
export const MT8195_CLIENT = `&{/soc} { vdosys0: syscon@1c01a000 { compatible = "mediatek,mt8195-mmsys", "syscon"; reg = <0 0x1c01a000 0 0x1000>; mboxes = <&gce0 0 0>, <&gce1 5 3>; }; };`;

/** The top-level DTS of `soc`'s board, including `${soc}-gce.dtsi`, then `extra`. */
export const boardDts = mtkSocDts;

/** The files of `soc`'s board under `dir` ("" for the current directory): `${soc}.dts` and its fragment. */
export function boardFiles(soc: MediatekSoc, extra = "", dir = ""): Record<string, string> {
  return { [`${dir}${soc}.dts`]: boardDts(soc, extra), [`${dir}${soc}-gce.dtsi`]: substituted(`${soc}-gce.dtsi`) };
}

/** The same board as a DTB (no labels: dtc writes none without -@). */
export function boardDtb(soc: MediatekSoc, extra = ""): Uint8Array {
  const tree = parseDts(boardDts(soc, extra), { file: `${soc}.dts`, readInclude: (p) => substituted(p) });
  return writeDtb(tree);
}

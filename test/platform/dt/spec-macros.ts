/**
 * The spec's GCE device-tree inputs (../shared/spec/dts) and what the C preprocessor would do to
 * them: the dt-bindings values their header comments and README document, placeholders for the
 * macros of properties no test reads, `/dts-v1/;` in front and stub providers for the labels
 * they use but do not define. Shared by the unit tests and the dtc cross-check suite.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** ../shared/spec/dts beside the repository; tests that need it are skipped without it. */
export const SPEC = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../shared/spec/dts");
export const read = (f: string): string => readFileSync(join(SPEC, f), "utf8");

/** dt-bindings values documented in mt8173-gce-mainline.resolved.dts's header and mt8183-gce.dtsi's. */
export const DOCUMENTED: Readonly<Record<string, number>> = {
  GIC_SPI: 0,
  IRQ_TYPE_LEVEL_LOW: 8,
  IRQ_TYPE_LEVEL_HIGH: 4, // include/dt-bindings/interrupt-controller/irq.h
  CMDQ_THR_PRIO_LOWEST: 0, // include/dt-bindings/gce/mt8173-gce.h
  CMDQ_THR_PRIO_HIGHEST: 1,
  SUBSYS_1400XXXX: 1,
  SUBSYS_1401XXXX: 2,
  SUBSYS_1402XXXX: 3,
  CMDQ_EVENT_MUTEX0_STREAM_EOF: 53,
  CMDQ_EVENT_MUTEX1_STREAM_EOF: 54,
  CMDQ_EVENT_MUTEX_STREAM_DONE0: 130,
  CMDQ_EVENT_MUTEX_STREAM_DONE1: 131,
  CLK_INFRA_GCE: 4,
};

/**
 * Macros of properties the GCE does not use (power domains, other clocks, IOMMU ports): the
 * files do not document them, so they get placeholder values that no assertion looks at.
 */
const PLACEHOLDER = /\b(MT8173_POWER_DOMAIN_MM|CLK_TOP_MM_SEL|CLK_MM_[A-Z0-9_]+|M4U_PORT_[A-Z0-9_]+|CLK_INFRA_AO_GCE2?)\b/g;

/** What `cpp` would have done, plus `/dts-v1/;` and stub nodes for the labels defined elsewhere. */
export function preprocess(text: string, stubLabels: readonly string[]): string {
  let out = text.replace(PLACEHOLDER, "0");
  for (const [name, v] of Object.entries(DOCUMENTED)) out = out.replace(new RegExp(`\\b${name}\\b`, "g"), String(v));
  const stubs = stubLabels.map((l) => `\t${l}: stub-${l} { #clock-cells = <1>; #power-domain-cells = <1>; #iommu-cells = <1>; };`).join("\n");
  return `/dts-v1/;\n${out}\n/ {\n${stubs}\n};\n`;
}

/** Each .dtsi with the labels it needs stubbed. */
export const DTSI_STUBS: Readonly<Record<string, readonly string[]>> = {
  "mt8173-gce-mainline.dtsi": ["infracfg", "spm", "topckgen", "iommu"],
  "mt8173-gce-2018-3cells.dtsi": ["infracfg"],
  "mt8173-gce-seed-era.dtsi": ["infracfg"],
  "mt8183-gce.dtsi": ["infracfg"],
  "mt8195-gce.dtsi": ["infracfg_ao"],
};

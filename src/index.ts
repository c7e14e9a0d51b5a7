/**
 * vplat as a library: the simulation substrate now; device models, kernel ports and boards as
 * they land. Nothing exported here imports a Node-only module, so it bundles for the browser.
 */
export * from "./sim/index.js";
export * as cmdq from "./tools/cmdq/index.js";
export { Mt8173, bootMt8173 } from "./platform/boards/mt8173.js";
export { X86Pc, profileSwitches } from "./platform/boards/x86-pc.js";
export type { X86PcProps, X86Report, CpuReport, DriverProfile } from "./platform/boards/x86-pc.js";
export { Machine } from "./platform/machine.js";
export type { Mt8173Props, Mt8173Stats } from "./platform/boards/mt8173.js";
export { VERSION } from "./version.js";

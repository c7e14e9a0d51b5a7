/**
 * vplat as a library: the simulation substrate, the boards (built in, or from any DTS/DTB), the
 * device-tree reader and writer, and the CMDQ tools. Nothing exported here imports a Node-only
 * module, so it bundles for the browser.
 */
export * from "./sim/index.js";
export * as cmdq from "./tools/cmdq/index.js";
export { Mt8173, bootMt8173 } from "./platform/boards/mt8173.js";
export { X86Pc, profileSwitches } from "./platform/boards/x86-pc.js";
export type { X86PcProps, X86Report, CpuReport, DriverProfile } from "./platform/boards/x86-pc.js";
export { Machine } from "./platform/machine.js";
export { MtkGceBoard } from "./platform/boards/mtk-gce-board.js";
export { bootDeviceTree, bootDts, bootDtb, boundLines } from "./platform/boards/from-device-tree.js";
export type { DeviceTreeBoard, DeviceTreeBootOptions } from "./platform/boards/from-device-tree.js";
export { BoardError, builtinBoardDts, builtinBoardTree } from "./platform/boards/board-tree.js";
export type { BoardTree, BuiltinBoard } from "./platform/boards/board-tree.js";
export * as dt from "./platform/dt/index.js";
export type { Mt8173Props, Mt8173Stats } from "./platform/boards/mt8173.js";
export { VERSION } from "./version.js";

/**
 * A loaded scenario: the validated document plus everything resolved from it (the board to
 * build, the effective kernel configuration, the assembled CMDQ program, the trace output),
 * ready for the run engine. Building one never touches a file; loading does (load.ts).
 */
import type { DeviceTreeBoard } from "./devicetree.js";
import type { ScenarioDoc } from "./schema.js";

/**
 * The kinds of board a scenario runs: the two built-in ones, and `mediatek-gce` (the mt8183 and
 * mt8195 boards, src/platform/boards/mtk-gce-board.ts), which only a device tree describes.
 */
export type BoardKind = "x86-pc" | "mt8173" | "mediatek-gce";
/** The boards a scenario can name without a device tree. */
export type BuiltinBoardKind = Exclude<BoardKind, "mediatek-gce">;
export type TraceFormat = "perfetto" | "perfetto-proto" | "jsonl" | "vcd";

export interface KernelPlan {
  readonly HZ: 100 | 250 | 1000;
  readonly tickMode: "periodic" | "oneshot";
  readonly driverProfile: "fixed" | "seed-2007" | "seed";
  readonly switches: Readonly<Record<string, boolean>>;
}

/** The board: built in from the document's parameters, or described by a device tree. */
export type BoardPlan =
  | { readonly source: "builtin"; readonly kind: BuiltinBoardKind }
  | {
      readonly source: "devicetree";
      readonly kind: BoardKind;
      readonly path: string;
      /** Where the tree was named: "board.dts", "--dtb"… (for messages about it). */
      readonly field: string;
      readonly tree: DeviceTreeBoard;
    };

/** The CMDQ program a kernel client submits (once per frame on mt8173, back to back on mediatek-gce), assembled. */
export interface CmdqProgram {
  /** (lo, hi) u32 pairs in memory order, as `vplat cmdq asm` would produce them. */
  readonly words: Uint32Array;
  /** Where it came from: a file path, or "inline". */
  readonly origin: string;
}

export interface TracePlan {
  readonly path: string;
  readonly format: TraceFormat;
}

export interface Scenario {
  /** The scenario file as named by the user (or "-"). */
  readonly file: string;
  readonly doc: ScenarioDoc;
  readonly board: BoardPlan;
  readonly kernel: KernelPlan;
  readonly durationNs: number;
  readonly seed: number;
  readonly program: CmdqProgram | null;
  readonly trace: TracePlan | null;
  readonly dmesg: boolean;
}

/** The trace format a file name implies, if any (.json/.perfetto.json, .pftrace/.perfetto-trace, .jsonl, .vcd). */
export function traceFormatOf(path: string): TraceFormat | undefined {
  const p = path.toLowerCase();
  if (p.endsWith(".pftrace") || p.endsWith(".perfetto-trace")) return "perfetto-proto";
  if (p.endsWith(".jsonl")) return "jsonl";
  if (p.endsWith(".json")) return "perfetto";
  if (p.endsWith(".vcd")) return "vcd";
  return undefined;
}

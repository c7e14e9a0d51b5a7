/**
 * Loading a scenario file: YAML → validated document (schema.ts) → checks that span fields (a
 * fault's CPU exists, an HPET fault needs an HPET, a switch belongs to the board's kernel…) →
 * files read and resolved (CMDQ assembly, device trees) → a `Scenario` the engine runs.
 *
 * Every problem found is reported, each as `file:line:col: path: expected X, found Y`; nothing
 * is run or written unless there is none. Files are read through the caller's `readFile`, with
 * relative paths taken from the scenario's directory (tools must not import node:).
 */
import { AsmError, assembleProgram, type AsmDiagnostic, type Program } from "../cmdq/asm.js";
import { CMDQ_CODE, CMDQ_WFE_WAIT } from "../../hw/mailbox/mtk-gce-isa.js";
import { socLookup, type SocName } from "../../hw/mailbox/mtk-gce-soc.js";
import { openDeviceTree, type DeviceTreeBoard, type DeviceTreeForm } from "./devicetree.js";
import { traceFormatOf, type BoardKind, type BoardPlan, type CmdqProgram, type KernelPlan, type Scenario, type TraceFormat, type TracePlan } from "./model.js";
import { dirname, resolveFrom } from "./paths.js";
import { MT8173_SWITCHES, QEMU_PERIOD_FS, SCENARIO, X86_SWITCHES, type ScenarioDoc } from "./schema.js";
import { Positions, diagnostic, formatDuration, suggest, validate, type Diagnostic, type Source } from "./schema-dsl.js";
import { parseYaml } from "./yaml-source.js";

/** The scenario is not valid: every problem, in file order. */
export class ScenarioError extends Error {
  override readonly name = "ScenarioError";

  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join("\n"));
  }
}

/** Reads a file's bytes or text; rejects (or throws) with a Node-style `code` when it cannot. */
export type ReadFile = (path: string) => string | Uint8Array | Promise<string | Uint8Array>;

/** What the command line may change after the file is read (already parsed). */
export interface ScenarioOverrides {
  readonly durationNs?: number;
  readonly seed?: number;
  /** A trace path as given on the command line (not relative to the scenario). */
  readonly trace?: string;
  readonly format?: TraceFormat;
  readonly dmesg?: boolean;
  /** A device tree that replaces the scenario's board (path as given on the command line). */
  readonly deviceTree?: { readonly form: DeviceTreeForm; readonly path: string };
}

export interface LoadOptions {
  /** The scenario's file name, for messages and relative paths ("-" for standard input). */
  readonly path: string;
  readonly readFile: ReadFile;
  readonly overrides?: ScenarioOverrides;
}

/** Parses, validates and resolves a scenario; throws `ScenarioError` listing every problem. */
export async function loadScenario(text: string, options: LoadOptions): Promise<Scenario> {
  const file = options.path;
  const parsed = parseYaml(text, file);
  if (parsed.diagnostics.length > 0) throw new ScenarioError(parsed.diagnostics);
  const diagnostics: Diagnostic[] = [];
  const positions = new Positions();
  const doc = validate(SCENARIO, parsed.root, "", diagnostics, positions);
  if (diagnostics.length > 0) throw new ScenarioError(sorted(diagnostics));
  const loader = new Loader(doc, positions, options, parsed.root);
  const scenario = await loader.resolve();
  if (loader.diagnostics.length > 0) throw new ScenarioError(sorted(loader.diagnostics));
  return scenario;
}

function sorted(ds: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => [d.pos?.file ?? "", d.pos?.line ?? 0, d.pos?.column ?? 0] as const;
  return [...ds].sort((a, b) => {
    const [fa, la, ca] = key(a);
    const [fb, lb, cb] = key(b);
    return fa === fb ? la - lb || ca - cb : fa < fb ? -1 : 1;
  });
}

/** How to assemble the CMDQ program: the board's SoC, and whether waits for events are refused. */
interface AsmTarget {
  readonly soc: SocName;
  readonly noWaits: boolean;
}

const IRQ_EOC_LO = 0x0000_0001;
const IRQ_EOC_HI = 0x4000_0000;

class Loader {
  readonly diagnostics: Diagnostic[] = [];
  private readonly dir: string;

  constructor(
    private readonly doc: ScenarioDoc,
    private readonly positions: Positions,
    private readonly options: LoadOptions,
    private readonly root: Source,
  ) {
    this.dir = options.path === "-" ? "" : dirname(options.path);
  }

  private problem(path: string, expected: string, found: string, hint?: string): void {
    this.diagnostics.push(diagnostic(this.positions.of(path), path, expected, found, hint));
  }

  private given(path: string): boolean {
    return this.positions.given(path);
  }

  async resolve(): Promise<Scenario> {
    const o = this.options.overrides ?? {};
    const board = await this.board(o.deviceTree);
    const kind = board?.kind ?? "x86-pc";
    const kernel = this.kernel(kind);
    this.boardChecks(kind);
    this.workloadChecks(kind);
    this.faultChecks(kind);
    const program = await this.program(kind, board?.source === "devicetree" ? board.tree.soc : null);
    const trace = this.trace(o);
    return {
      file: this.options.path,
      doc: this.doc,
      board: board ?? { source: "builtin", kind: "x86-pc" },
      kernel,
      durationNs: o.durationNs ?? this.doc.duration,
      seed: o.seed ?? this.doc.seed,
      program,
      trace,
      dmesg: o.dmesg ?? this.doc.outputs.dmesg,
    };
  }

  // --- board ---------------------------------------------------------------------------------

  private async board(override: ScenarioOverrides["deviceTree"]): Promise<BoardPlan | null> {
    const b = this.doc.board;
    if (override !== undefined) return this.deviceTree(override.form, override.path, `--${override.form}`);
    if (b.variant === "dts") return this.deviceTree("dts", resolveFrom(this.dir, b.dts), "board.dts");
    if (b.variant === "dtb") return this.deviceTree("dtb", resolveFrom(this.dir, b.dtb), "board.dtb");
    return { source: "builtin", kind: b.variant };
  }

  private async deviceTree(form: DeviceTreeForm, path: string, field: string): Promise<BoardPlan | null> {
    const bytes = await this.read(path, field);
    if (bytes === null) return null;
    const result = await openDeviceTree(form, path, bytes, async (p) => toBytes(await this.options.readFile(p)));
    if (isTree(result)) return { source: "devicetree", kind: result.kind, path, field, tree: result };
    if (result.line !== undefined) {
      this.diagnostics.push(diagnostic({ file: result.file, line: result.line, column: result.column ?? 1 }, field, result.expected, result.found));
    } else {
      // A problem with the whole tree: point at where the scenario names it (a flag has no place).
      this.diagnostics.push(diagnostic(field.startsWith("--") ? null : this.positions.of(field), field, result.expected, result.found));
    }
    return null;
  }

  private boardChecks(kind: BoardKind): void {
    const b = this.doc.board;
    if (kind !== "x86-pc" || b.variant !== "x86-pc") return;
    const h = b.hpet;
    if (h.profile === "qemu-7.2" && h.periodFs !== undefined && h.periodFs % 1_000_000 !== 0) {
      this.problem("board.hpet.periodFs", `a whole number of nanoseconds (a multiple of 1000000 fs) with profile qemu-7.2, e.g. ${QEMU_PERIOD_FS}`, String(h.periodFs));
    }
  }

  // --- kernel --------------------------------------------------------------------------------

  private kernel(kind: BoardKind): KernelPlan {
    const k = this.doc.kernel;
    const profiles = kind === "x86-pc" ? ["fixed", "seed-2007"] : ["fixed", "seed"];
    if (!profiles.includes(k.driverProfile)) {
      this.problem("kernel.driverProfile", `one of ${profiles.map((p) => JSON.stringify(p)).join(", ")} on ${kind}`, JSON.stringify(k.driverProfile));
    }
    if (kind !== "x86-pc" && this.given("kernel.tickMode")) this.problem("kernel.tickMode", `no tickMode on ${kind} (its tick is the GPT's, periodic)`, JSON.stringify(k.tickMode));
    // The MediaTek boards run the same CMDQ stack, so the same switches.
    const known = kind === "x86-pc" ? X86_SWITCHES : MT8173_SWITCHES;
    for (const name of Object.keys(k.switches)) {
      const path = `kernel.switches.${name}`;
      if (!known.includes(name)) this.diagnostics.push(diagnostic(this.positions.keyOf(path), path, `a switch of the ${kind} kernel (${known.join(", ")})`, `'${name}'`, suggest(name, known)));
    }
    return { HZ: k.HZ ?? (kind === "x86-pc" ? 1000 : 250), tickMode: k.tickMode, driverProfile: k.driverProfile, switches: k.switches };
  }

  // --- workload ------------------------------------------------------------------------------

  private workloadChecks(kind: BoardKind): void {
    const w = this.doc.workload;
    if (kind === "x86-pc") {
      if (this.given("workload.display")) this.onlyOn("workload.display", "mt8173", kind);
      if (this.given("workload.cmdq")) this.onlyOn("workload.cmdq", "mt8173 and mediatek-gce", kind);
    } else if (w.idle.length > 0) {
      this.onlyOn("workload.idle", "x86-pc", kind);
    }
    if (kind === "mediatek-gce") {
      // No display model on these boards: nothing sends a frame's events, so no display client
      // and no frame wait; the program client submits `packets` back to back.
      if (this.given("workload.display")) this.onlyOn("workload.display", "mt8173", kind);
      if (this.given("workload.cmdq.waitFrame") && w.cmdq.waitFrame) {
        this.problem("workload.cmdq.waitFrame", "false on board mediatek-gce (no display model sends the frame's stream EOF; packets go back to back)", "true");
      }
    } else if (kind === "mt8173" && this.given("workload.cmdq.packets")) {
      this.problem("workload.cmdq.packets", "no 'packets' on board mt8173 (the program runs once per frame; workload.display.frames limits the frames)", String(w.cmdq.packets));
    }
    const cpus = this.cpus(kind);
    w.idle.forEach((p, i) => {
      const path = `workload.idle[${i}]`;
      if (p.cpu >= cpus) this.problem(`${path}.cpu`, `a CPU 0..${cpus - 1}`, String(p.cpu));
      if (p.idle >= p.period) this.problem(`${path}.idle`, `less than the period (${formatDuration(p.period)})`, formatDuration(p.idle));
      else if (p.jitter >= Math.min(p.idle, p.period - p.idle)) {
        this.problem(`${path}.jitter`, `less than both idle (${formatDuration(p.idle)}) and the busy time (${formatDuration(p.period - p.idle)})`, formatDuration(p.jitter));
      }
    });
  }

  private onlyOn(path: string, board: string, kind: BoardKind): void {
    const field = path.slice(path.lastIndexOf(".") + 1);
    this.problem(path, `no '${field}' on board ${kind} (${path} is for ${board})`, "one");
  }

  private cpus(kind: BoardKind): number {
    const b = this.doc.board;
    if (kind !== "x86-pc") return 1;
    return b.variant === "x86-pc" ? b.cpus : 8;
  }

  /** The CMDQ program, assembled for the board's SoC (`soc`: a tree's; the built-in board is mt8173). */
  private async program(kind: BoardKind, soc: SocName | null): Promise<CmdqProgram | null> {
    const c = this.doc.workload.cmdq;
    if (kind === "x86-pc") return null;
    const target: AsmTarget = { soc: soc ?? "mt8173", noWaits: kind === "mediatek-gce" };
    if (c.program !== undefined && c.file !== undefined) {
      this.problem("workload.cmdq.file", "either 'program' or 'file'", "both");
      return null;
    }
    if (c.program !== undefined) return this.assemble(c.program, "inline", "workload.cmdq.program", this.programSource(), target);
    if (c.file !== undefined) {
      const path = resolveFrom(this.dir, c.file);
      const bytes = await this.read(path, "workload.cmdq.file");
      if (bytes === null) return null;
      return this.assemble(new TextDecoder().decode(bytes), path, "workload.cmdq.file", { file: path }, target);
    }
    return null;
  }

  /** The inline program's node (for positions inside a `|` block). */
  private programSource(): Source | null {
    let node: Source | undefined = this.root;
    for (const key of ["workload", "cmdq", "program"]) node = node?.t === "map" ? node.entries.find((e) => e.key === key)?.value : undefined;
    return node ?? null;
  }

  private assemble(source: string, origin: string, field: string, where: Source | null | { file: string }, target: AsmTarget): CmdqProgram | null {
    let program: Program;
    try {
      program = assembleProgram(source, { soc: target.soc });
    } catch (err) {
      if (!(err instanceof AsmError)) throw err;
      for (const d of err.diagnostics) this.diagnostics.push(this.asmDiagnostic(d, field, where));
      return null;
    }
    if (program.words.length === 0) {
      this.problem(field, "GCE assembly with at least one instruction", "none");
      return null;
    }
    // cmdq_pkt_append_command() refuses to append to a packet whose second-to-last instruction
    // is an interrupting EOC (cmdq_pkt_is_finalized): nothing may follow EOC + one instruction.
    const w = program.words;
    for (let i = 2; i < w.length / 2; i++) {
      if (w[2 * (i - 2)] === IRQ_EOC_LO && w[2 * (i - 2) + 1] === IRQ_EOC_HI) {
        const p = program.positions[i]!;
        this.diagnostics.push(
          this.asmDiagnostic({ line: p.line, column: p.column, expected: "the end of the program two instructions after an interrupting 'eoc'", found: "another instruction", message: "" }, field, where, "the CMDQ helper treats the packet as finalized there"),
        );
        return null;
      }
    }
    if (target.noWaits && !this.noWaits(program, target.soc, field, where)) return null;
    return { words: program.words, origin };
  }

  /**
   * On mediatek-gce no device model sends GCE events (the display is not modelled), so an
   * instruction that waits for one (a WFE with the wait flag: wfe, acquire…) would block its
   * thread for good; refuse it at its line. set_event and clear_event (no wait flag) are fine; a
   * wait for an event the program set itself is refused all the same (the check is per instruction).
   */
  private noWaits(program: Program, soc: SocName, field: string, where: Source | null | { file: string }): boolean {
    const w = program.words;
    for (let i = 0; i < w.length / 2; i++) {
      // Spec §1.1: hi = op << 24 | arg_a (the event of a WFE); §1.3: lo is the WFE flag word.
      const hi = w[2 * i + 1]!;
      if (hi >>> 24 !== CMDQ_CODE.WFE || (w[2 * i]! & CMDQ_WFE_WAIT) === 0) continue;
      const p = program.positions[i]!;
      const event = hi & 0xff_ffff;
      const name = socLookup(soc).eventName(event);
      this.diagnostics.push(
        this.asmDiagnostic(
          { line: p.line, column: p.column, expected: "an instruction that does not wait for an event on board mediatek-gce (no device model there sends GCE events)", found: `a wait for event ${event}${name === undefined ? "" : ` (${name})`}`, message: "" },
          field,
          where,
          "programs that wait for display events run on mt8173",
        ),
      );
      return false;
    }
    return true;
  }

  private asmDiagnostic(d: AsmDiagnostic, field: string, where: Source | null | { file: string }, hint?: string): Diagnostic {
    const h = hint ?? d.hint;
    if (where !== null && "file" in where) return diagnostic({ file: where.file, line: d.line, column: d.column }, field, d.expected, d.found, h);
    const block = where?.t === "scalar" ? where.block : undefined;
    const at = where?.pos ?? this.positions.of(field);
    if (block !== undefined && at !== null) return diagnostic({ file: at.file, line: block.firstLine + d.line - 1, column: block.indent + d.column }, field, d.expected, d.found, h);
    return diagnostic(at, `${field} (line ${d.line}, column ${d.column})`, d.expected, d.found, h);
  }

  // --- faults --------------------------------------------------------------------------------

  private faultChecks(kind: BoardKind): void {
    const cpus = this.cpus(kind);
    const b = this.doc.board;
    this.doc.faults.forEach((f, i) => {
      const path = `faults[${i}]`;
      switch (f.variant) {
        case "smi":
          if (f.cpu >= cpus) this.problem(`${path}.cpu`, `a CPU 0..${cpus - 1}`, String(f.cpu));
          return;
        case "access-delay":
          if (f.cpu !== undefined && f.cpu >= cpus) this.problem(`${path}.cpu`, `a CPU 0..${cpus - 1}`, String(f.cpu));
          return;
        case "posted-write":
          return;
        case "drop-irq":
        case "duplicate-irq":
        case "suspend":
          if (kind !== "x86-pc") this.faultOnlyOn(path, f.variant, "x86-pc", kind);
          return;
        case "halt-hpet":
          if (kind !== "x86-pc") this.faultOnlyOn(path, f.variant, "x86-pc", kind);
          else if (b.variant === "x86-pc" && !b.hpet.present) this.problem(`${path}.type`, "a fault for a board that has an HPET (board.hpet.present is false)", '"halt-hpet"');
          return;
        case "stop-display": {
          if (kind !== "mt8173") this.faultOnlyOn(path, f.variant, "mt8173", kind);
          const crtcs = b.variant === "mt8173" ? b.crtcs : 1;
          if (kind === "mt8173" && f.path >= crtcs) this.problem(`${path}.path`, `a display path 0..${crtcs - 1}`, String(f.path));
          return;
        }
        case "mask-event":
          if (kind !== "mt8173") this.faultOnlyOn(path, f.variant, "mt8173", kind);
          return;
      }
    });
  }

  private faultOnlyOn(path: string, type: string, board: BoardKind, kind: BoardKind): void {
    this.problem(`${path}.type`, `a fault of board ${kind} ('${type}' needs board ${board})`, JSON.stringify(type));
  }

  // --- outputs -------------------------------------------------------------------------------

  private trace(o: ScenarioOverrides): TracePlan | null {
    if (o.trace !== undefined) {
      const format = o.format ?? traceFormatOf(o.trace) ?? this.doc.outputs.format;
      if (format === undefined) this.diagnostics.push(diagnostic(null, "--trace", "a file name ending in .json, .pftrace, .jsonl or .vcd, or --format", JSON.stringify(o.trace)));
      return format === undefined ? null : { path: o.trace, format };
    }
    const t = this.doc.outputs.trace;
    if (t === undefined) return null;
    const format = o.format ?? this.doc.outputs.format ?? traceFormatOf(t);
    if (format === undefined) {
      this.problem("outputs.trace", "a file name ending in .json, .pftrace, .jsonl or .vcd, or an outputs.format (perfetto, perfetto-proto, jsonl, vcd)", JSON.stringify(t));
      return null;
    }
    return { path: resolveFrom(this.dir, t), format };
  }

  // --- files ---------------------------------------------------------------------------------

  private async read(path: string, field: string): Promise<Uint8Array | null> {
    try {
      return toBytes(await this.options.readFile(path));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "a directory" : err instanceof Error ? err.message : String(err);
      this.problem(field, "a readable file", `'${path}' (${why})`);
      return null;
    }
  }
}

function toBytes(x: string | Uint8Array): Uint8Array {
  return typeof x === "string" ? new TextEncoder().encode(x) : x;
}

function isTree(x: DeviceTreeBoard | { readonly expected: string }): x is DeviceTreeBoard {
  return "kind" in x;
}

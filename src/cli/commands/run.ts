/**
 * `vplat run SCENARIO`: load a scenario file (docs/scenarios.md), run it, print its summary.
 * Parsing, progress and printing only; loading and running are src/tools/scenario.
 *
 * Nothing half-written: the command line, the scenario and every file it names are checked
 * before any output is created; the trace streams to FILE.partial and takes its name only when
 * the run ends (completed, or crashed: the trace up to the crash is what one wants to read).
 */
import { ScenarioError, ScenarioRun, formatDuration, loadScenario, parseDurationWithUnit, traceFormatOf, type RunOptions, type Scenario, type ScenarioOverrides, type TraceFormat } from "../../tools/scenario/index.js";
import { formatNs } from "../../sim/time.js";
import { parseCommandLine } from "../args.js";
import { ExitCode, UsageError, type Command, type Io, type Output } from "../command.js";
import { formatSummary } from "./run-report.js";

const FORMATS: readonly TraceFormat[] = ["perfetto", "perfetto-proto", "jsonl", "vcd"];

const USAGE = `usage: vplat run SCENARIO [--until D] [--seed N] [--trace FILE] [--format perfetto|perfetto-proto|jsonl|vcd]
                 [--json] [--dmesg] [--dts FILE | --dtb FILE]

Runs a scenario file (YAML; '-' reads standard input): a board, its kernel, a workload, faults,
how long to run and what to write. Reference: docs/scenarios.md; 'vplat schema' prints the JSON
Schema editors use to complete and check scenario files. An empty file runs x86-pc for 1 s.

options:
  --until D        run for D of simulated time instead of the scenario's duration ("250ms", "10s", "1h")
  --seed N         the PRNG seed instead of the scenario's (0..2^53-1)
  --trace FILE     write the trace to FILE instead of the scenario's outputs.trace
  --format F       perfetto, perfetto-proto, jsonl or vcd (default: from the file's extension:
                   .json, .pftrace, .jsonl, .vcd)
  --json           print the summary as one JSON document (for scripts) instead of tables
  --dmesg          print the kernel log after the summary (in --json: the "dmesg" field)
  --dts FILE       the board from a device-tree source file instead of the scenario's board
                   (root compatible vplat,x86-pc, mediatek,mt8173, mediatek,mt8183 or mediatek,mt8195)
  --dtb FILE       the board from a device-tree blob

A progress bar (simulated time, percent, speed as × real time) is drawn on standard error when
it is a terminal. Relative paths in the scenario are taken from its directory; paths on the
command line from the current directory.

exit codes:
  0    the run completed
  1    the run crashed: the simulated kernel hit a BUG or an oops (the summary and the trace
       cover the run up to the crash), or vplat failed internally
  2    the command line or the scenario is invalid, or a file cannot be read or written;
       nothing was run and no file was written
  130  interrupted (Ctrl-C); the partial trace is removed`;

const OPTIONS = {
  until: { type: "string" },
  seed: { type: "string" },
  trace: { type: "string" },
  format: { type: "string" },
  json: { type: "boolean" },
  dmesg: { type: "boolean" },
  dts: { type: "string" },
  dtb: { type: "string" },
} as const;

export const run: Command = {
  name: "run",
  summary: "run a scenario file and print what happened",
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandLine(args, OPTIONS);
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "expected a SCENARIO file" : `expected one SCENARIO file, found ${positionals.length}: ${positionals.join(" ")}`);
    const file = positionals[0]!;
    const overrides = parseOverrides(values);
    const text = await readScenario(io, file);
    if (text === null) return ExitCode.usage;
    let scenario: Scenario;
    try {
      scenario = await loadScenario(text, { path: file, readFile: (p) => io.readFile(p), overrides });
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      for (const d of err.diagnostics) io.stderr.write(`${d.message}\n`);
      const n = err.diagnostics.length;
      io.stderr.write(`vplat run: ${n} problem${n === 1 ? "" : "s"} in ${file}; nothing was run\n`);
      return ExitCode.usage;
    }
    return execute(io, scenario, values.json === true);
  },
};

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>["values"];

function parseOverrides(v: Values): ScenarioOverrides {
  const o: { -readonly [K in keyof ScenarioOverrides]: ScenarioOverrides[K] } = {};
  if (v.until !== undefined) {
    const ns = parseDurationWithUnit(v.until);
    if (ns === undefined || ns <= 0) throw new UsageError(`--until: expected a positive duration with a unit, e.g. "250ms" or "10s", found '${v.until}'`);
    o.durationNs = ns;
  }
  if (v.seed !== undefined) {
    const seed = /^\d+$/.test(v.seed) ? Number(v.seed) : Number.NaN;
    if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed: expected an integer 0..${Number.MAX_SAFE_INTEGER}, found '${v.seed}'`);
    o.seed = seed;
  }
  if (v.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(v.format)) throw new UsageError(`--format: expected one of ${FORMATS.join(", ")}, found '${v.format}'`);
    o.format = v.format as TraceFormat;
  }
  if (v.trace !== undefined) {
    if (o.format === undefined && traceFormatOf(v.trace) === undefined) {
      throw new UsageError(`--trace ${v.trace}: cannot tell the format from the extension (.json, .pftrace, .jsonl, .vcd); add --format`);
    }
    o.trace = v.trace;
  }
  if (v.dts !== undefined && v.dtb !== undefined) throw new UsageError("--dts and --dtb: expected one device tree, found both");
  if (v.dts !== undefined) o.deviceTree = { form: "dts", path: v.dts };
  if (v.dtb !== undefined) o.deviceTree = { form: "dtb", path: v.dtb };
  if (v.dmesg === true) o.dmesg = true;
  return o;
}

async function readScenario(io: Io, file: string): Promise<string | null> {
  try {
    const bytes = file === "-" ? await io.readStdin() : await io.readFile(file);
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : err instanceof TypeError ? "it is not UTF-8 text" : err instanceof Error ? err.message : String(err);
    io.stderr.write(`vplat run: cannot read scenario '${file}': ${why}\n`);
    return null;
  }
}

/**
 * The trace file, written as PATH.partial until the run ends: by a writer thread where the host
 * has one, else on the simulation's thread.
 */
class TraceFile {
  private open = true;
  readonly options: RunOptions;
  private readonly closeFile: () => void;

  constructor(
    io: Io,
    readonly path: string,
    readonly partial: string,
    format: TraceFormat,
    title: string,
  ) {
    const writer = io.startTraceWriter?.(partial, format, title);
    if (writer !== undefined) {
      this.options = { traceSink: writer.sink };
      this.closeFile = () => writer.close();
    } else {
      const out = io.createFile(partial);
      this.options = { traceOutput: out };
      this.closeFile = () => out.close();
    }
  }

  close(): void {
    if (this.open) this.closeFile();
    this.open = false;
  }
}

async function execute(io: Io, scenario: Scenario, json: boolean): Promise<number> {
  let runner: ScenarioRun;
  try {
    runner = new ScenarioRun(scenario);
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    for (const d of err.diagnostics) io.stderr.write(`${d.message}\n`);
    io.stderr.write(`vplat run: the board cannot be built; nothing was run\n`);
    return ExitCode.usage;
  }
  let trace: TraceFile | null = null;
  if (scenario.trace !== null) {
    const partial = `${scenario.trace.path}.partial`;
    try {
      trace = new TraceFile(io, scenario.trace.path, partial, scenario.trace.format, scenario.file);
    } catch (err) {
      io.stderr.write(`vplat run: cannot write trace '${scenario.trace.path}': ${err instanceof Error ? err.message : String(err)}; nothing was run\n`);
      return ExitCode.usage;
    }
  }
  let finished = false;
  try {
    runner.start(trace === null ? {} : trace.options);
    const interrupted = await drive(io, runner);
    runner.close();
    trace?.close();
    if (interrupted) {
      io.stderr.write(`vplat run: interrupted at ${formatNs(runner.nowNs)} of ${formatDuration(runner.endNs)}${trace === null ? "" : "; trace removed"}\n`);
      return ExitCode.interrupted;
    }
    if (trace !== null) io.renameFile(trace.partial, trace.path);
    finished = true;
    const summary = runner.summary({ dmesg: scenario.dmesg });
    io.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    if (trace !== null && !json) io.stderr.write(`trace: ${trace.path} (${scenario.trace?.format})\n`);
    if (summary.status === "crashed") {
      io.stderr.write(`vplat run: the simulation crashed at ${formatNs(summary.crash?.atNs ?? runner.nowNs)}: ${summary.crash?.error ?? ""}\n`);
      return ExitCode.failure;
    }
    return ExitCode.ok;
  } finally {
    if (trace !== null && !finished) {
      trace.close();
      io.removeFile(trace.partial);
    }
  }
}

/** Wall time between progress redraws: at most ten a second. */
const REDRAW_MS = 100;
/** Wall time one chunk of simulation should take, so interrupts and redraws stay responsive. */
const CHUNK_MS = 50;

/**
 * Runs to the end in chunks sized to about CHUNK_MS of wall time each, drawing progress on a
 * terminal and letting the host deliver Ctrl-C between chunks. Returns true when interrupted.
 */
async function drive(io: Io, runner: ScenarioRun): Promise<boolean> {
  let interrupted = false;
  const unsubscribe = io.onInterrupt(() => {
    interrupted = true;
  });
  const progress = io.stderr.isTTY ? new Progress(io.stderr, io.wallMs(), runner.endNs) : null;
  let chunk = 1_000_000;
  try {
    while (!runner.done && !interrupted) {
      const before = io.wallMs();
      runner.advance(chunk);
      const spent = io.wallMs() - before;
      chunk = Math.max(1_000, Math.floor(chunk * Math.min(4, Math.max(0.25, CHUNK_MS / Math.max(spent, 1)))));
      progress?.update(runner.nowNs, io.wallMs());
      await io.yieldToHost();
    }
  } finally {
    unsubscribe();
    progress?.clear();
  }
  return interrupted;
}

/** `[=====>    ] 1.250 s / 10s   12%  ×35.2 real time` on one redrawn terminal line. */
class Progress {
  private lastDraw = -Infinity;

  constructor(
    private readonly out: Output,
    private readonly startMs: number,
    private readonly endNs: number,
  ) {}

  update(nowNs: number, wallMs: number): void {
    if (wallMs - this.lastDraw < REDRAW_MS && nowNs < this.endNs) return;
    this.lastDraw = wallMs;
    const fraction = Math.min(1, nowNs / this.endNs);
    const elapsed = (wallMs - this.startMs) / 1000;
    const speed = elapsed > 0 ? `×${formatSpeed(nowNs / 1e9 / elapsed)} real time` : "";
    const text = `${(nowNs / 1e9).toFixed(3)} s / ${formatDuration(this.endNs)}  ${Math.floor(fraction * 100)
      .toString()
      .padStart(3)}%  ${speed}`;
    const width = Math.max(10, Math.min(40, (this.out.columns || 80) - text.length - 4));
    const filled = Math.round(fraction * width);
    const bar = `[${"=".repeat(filled)}${filled < width ? ">" : ""}${" ".repeat(Math.max(0, width - filled - 1))}]`;
    this.out.write(`\r${bar} ${text}\x1b[K`);
  }

  clear(): void {
    if (this.lastDraw !== -Infinity) this.out.write("\r\x1b[K");
  }
}

function formatSpeed(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2);
}

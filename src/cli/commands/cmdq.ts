/**
 * `vplat cmdq asm|disasm|lint`: GCE command buffers as text, as words, and checked.
 * Parsing and printing only; the work is in src/tools/cmdq (docs/cmdq-asm.md).
 */
import {
  AsmError,
  DEFAULT_SOC,
  DumpError,
  LINT_RULES,
  SOC_NAMES,
  assembleProgram,
  disassemble,
  isSocName,
  isText,
  lineRecord,
  lintWords,
  looksLikeHexDump,
  parseDump,
  wordHex,
  wordsToBytes,
  type HalfOrder,
  type LintFinding,
  type SocName,
  type SourcePosition,
} from "../../tools/cmdq/index.js";
import { parseCommandLine } from "../args.js";
import { ExitCode, UsageError, type Command, type Io, type Output } from "../command.js";

const USAGE = `usage: vplat cmdq asm FILE|- [-o OUT] [--soc SOC]
       vplat cmdq disasm FILE|- [--soc SOC] [--json] [--words] [--input auto|raw|hex] [--halves auto|low-first|high-first]
       vplat cmdq lint FILE|- [--soc SOC] [--base ADDR] [--input auto|asm|raw|hex] [--halves ...]

MediaTek GCE (CMDQ) command buffers. FILE '-' reads standard input.

  asm      assemble GCE assembly; prints one 64-bit word per line (0xHHHHHHHH_LLLLLLLL),
           the hex form disasm and lint read back. Errors name line, column and what was
           expected (exit 2).
  disasm   disassemble raw little-endian 64-bit words or a kernel hex dump (16-digit words or
           8-digit halves, with or without addresses). Unknown words print as '.inst' with a
           warning on stderr. --json prints one object per instruction with every field;
           --words appends each word's offset and value as a comment.
  lint     check a buffer (assembly, raw or hex dump); exit 1 when an error is found.

options:
  --soc SOC        ${SOC_NAMES.join(", ")} (default ${DEFAULT_SOC}): event, subsys and client names, shift_pa
  -o, --output OUT write to OUT instead of standard output
  --binary         asm: write the raw little-endian bytes instead of hex words (not to a terminal)
  --input FORMAT   how to read FILE (default auto: binary is raw, text is a hex dump or assembly)
  --halves ORDER   pair 32-bit halves low-first (memory order) or high-first (default: the order
                   that decodes more known instructions)
  --base ADDR      the buffer's physical address, to check absolute jumps (lint)

lint rules:
${Object.entries(LINT_RULES)
  .map(([rule, r]) => `  ${rule.padEnd(20)} ${r.severity.padEnd(8)} ${r.summary}`)
  .join("\n")}

Syntax and examples: docs/cmdq-asm.md.`;

const OPTIONS = {
  soc: { type: "string" },
  output: { type: "string", short: "o" },
  binary: { type: "boolean" },
  json: { type: "boolean" },
  words: { type: "boolean" },
  input: { type: "string" },
  halves: { type: "string" },
  base: { type: "string" },
} as const;

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>["values"];

interface Invocation {
  readonly file: string;
  readonly soc: SocName;
  readonly values: Values;
}

function parseInvocation(args: readonly string[], allowed: readonly (keyof typeof OPTIONS)[]): Invocation {
  const { values, positionals } = parseCommandLine(args, OPTIONS);
  for (const key of Object.keys(values) as (keyof typeof OPTIONS)[]) {
    if (!allowed.includes(key)) throw new UsageError(`option --${key} does not apply here`);
  }
  if (positionals.length !== 1) throw new UsageError(`expected one FILE (or '-'), got ${positionals.length}`);
  const soc = values.soc ?? DEFAULT_SOC;
  if (!isSocName(soc)) throw new UsageError(`unknown --soc '${soc}': expected one of ${SOC_NAMES.join(", ")}`);
  return { file: positionals[0]!, soc, values };
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`unknown --${option} '${value}': expected one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/** Reads FILE or standard input; undefined (with a message) when it cannot. */
async function readInput(file: string, io: Io): Promise<Uint8Array | undefined> {
  try {
    return file === "-" ? await io.readStdin() : await io.readFile(file);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : err instanceof Error ? err.message : String(err);
    io.stderr.write(`vplat cmdq: cannot read '${file}': ${reason}\n`);
    return undefined;
  }
}

/** Writes to -o OUT or standard output; false (with a message) when OUT cannot be written. */
function emit(data: string | Uint8Array, output: string | undefined, io: Io): boolean {
  const put = (o: Output) => (typeof data === "string" ? o.write(data) : o.writeBytes(data));
  if (output === undefined) {
    if (typeof data !== "string" && io.stdout.isTTY) {
      io.stderr.write("vplat cmdq: refusing to write binary to a terminal; use -o FILE or a pipe\n");
      return false;
    }
    put(io.stdout);
    return true;
  }
  let out;
  try {
    out = io.createFile(output);
  } catch (err) {
    io.stderr.write(`vplat cmdq: cannot write '${output}': ${err instanceof Error ? err.message : String(err)}\n`);
    return false;
  }
  try {
    put(out);
  } finally {
    out.close();
  }
  return true;
}

const hex4 = (offset: number) => `0x${offset.toString(16).padStart(4, "0")}`;
const nameOf = (file: string) => (file === "-" ? "<stdin>" : file);

function where(file: string, p: SourcePosition): string {
  return `${nameOf(file)}:${p.line}:${p.column}`;
}

function reportAsmError(file: string, err: AsmError, io: Io): number {
  for (const d of err.diagnostics) {
    const hint = d.hint === undefined ? "" : ` (${d.hint})`;
    io.stderr.write(`${where(file, d)}: error: expected ${d.expected}, found ${d.found}${hint}\n`);
  }
  return ExitCode.usage;
}

function reportDumpError(file: string, err: DumpError, io: Io): number {
  const at = err.position === undefined ? nameOf(file) : where(file, err.position);
  const message = err.position === undefined ? err.message : err.message.replace(/^line \d+, column \d+: /, "");
  io.stderr.write(`${at}: error: ${message}\n`);
  return ExitCode.usage;
}

async function runAsm(args: readonly string[], io: Io): Promise<number> {
  const { file, soc, values } = parseInvocation(args, ["soc", "output", "binary"]);
  const bytes = await readInput(file, io);
  if (bytes === undefined) return ExitCode.usage;
  try {
    const { words } = assembleProgram(new TextDecoder().decode(bytes), { soc });
    if (values.binary === true) return emit(wordsToBytes(words), values.output, io) ? ExitCode.ok : ExitCode.usage;
    const lines: string[] = [];
    for (let i = 0; i < words.length; i += 2) lines.push(`${wordHex(words[i]!, words[i + 1]!)}\n`);
    return emit(lines.join(""), values.output, io) ? ExitCode.ok : ExitCode.usage;
  } catch (err) {
    if (err instanceof AsmError) return reportAsmError(file, err, io);
    throw err;
  }
}

const HALVES: readonly (HalfOrder | "auto")[] = ["auto", "low-first", "high-first"];

async function runDisasm(args: readonly string[], io: Io): Promise<number> {
  const { file, soc, values } = parseInvocation(args, ["soc", "output", "json", "words", "input", "halves"]);
  const format = oneOf(values.input, ["auto", "raw", "hex"] as const, "input") ?? "auto";
  const halves = oneOf(values.halves, HALVES, "halves") ?? "auto";
  const bytes = await readInput(file, io);
  if (bytes === undefined) return ExitCode.usage;
  let dump;
  try {
    dump = parseDump(bytes, { format, halves });
  } catch (err) {
    if (err instanceof DumpError) return reportDumpError(file, err, io);
    throw err;
  }
  if (halves === "auto" && dump.halves === "high-first") {
    io.stderr.write(`vplat cmdq: note: read 32-bit halves high-first (more words decode that way); --halves low-first to override\n`);
  }
  const result = disassemble(dump.words, { soc, words: values.words === true });
  const text = values.json === true ? result.lines.map((l) => `${JSON.stringify(lineRecord(l, soc))}\n`).join("") : result.text;
  if (!emit(text, values.output, io)) return ExitCode.usage;
  for (const w of result.warnings) io.stderr.write(`${nameOf(file)}: +${hex4(w.offset)}: warning: ${w.message}\n`);
  return ExitCode.ok;
}

/** Words and source positions of a lint input of any format. */
function lintInput(
  bytes: Uint8Array,
  format: "auto" | "asm" | "raw" | "hex",
  soc: SocName,
  halves: HalfOrder | "auto",
): { words: Uint32Array; positions?: readonly SourcePosition[] } {
  if (format === "asm" || (format === "auto" && isText(bytes) && !looksLikeHexDump(new TextDecoder().decode(bytes)))) {
    const program = assembleProgram(new TextDecoder().decode(bytes), { soc });
    return { words: program.words, positions: program.positions };
  }
  return { words: parseDump(bytes, { format, halves }).words };
}

function formatFinding(file: string, f: LintFinding): string {
  const at = f.position === undefined ? `${nameOf(file)}: +${hex4(f.offset)}` : where(file, f.position);
  return `${at}: ${f.severity}: ${f.message} [${f.rule}]\n`;
}

async function runLint(args: readonly string[], io: Io): Promise<number> {
  const { file, soc, values } = parseInvocation(args, ["soc", "output", "input", "halves", "base"]);
  const format = oneOf(values.input, ["auto", "asm", "raw", "hex"] as const, "input") ?? "auto";
  const halves = oneOf(values.halves, HALVES, "halves") ?? "auto";
  const base = values.base === undefined ? undefined : Number(values.base);
  if (base !== undefined && (!Number.isSafeInteger(base) || base < 0)) throw new UsageError(`--base '${values.base}' is not an address`);
  const bytes = await readInput(file, io);
  if (bytes === undefined) return ExitCode.usage;
  let input;
  try {
    input = lintInput(bytes, format, soc, halves);
  } catch (err) {
    if (err instanceof AsmError) return reportAsmError(file, err, io);
    if (err instanceof DumpError) return reportDumpError(file, err, io);
    throw err;
  }
  const findings = lintWords(input.words, base === undefined ? { soc } : { soc, base }, input.positions);
  const errors = findings.filter((f) => f.severity === "error").length;
  const summary = `${errors} error(s), ${findings.length - errors} warning(s) in ${input.words.length / 2} instruction(s)\n`;
  if (!emit(findings.map((f) => formatFinding(file, f)).join("") + summary, values.output, io)) return ExitCode.usage;
  return errors > 0 ? ExitCode.failure : ExitCode.ok;
}

const SUBCOMMANDS: Readonly<Record<string, (args: readonly string[], io: Io) => Promise<number>>> = {
  asm: runAsm,
  disasm: runDisasm,
  lint: runLint,
};

export const cmdq: Command = {
  name: "cmdq",
  summary: "assemble, disassemble and lint MediaTek GCE command buffers",
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
    if (run === undefined) throw new UsageError(sub === undefined ? "expected asm, disasm or lint" : `unknown subcommand '${sub}': expected asm, disasm or lint`);
    return run(rest, io);
  },
};

/**
 * Instructions per JavaScript function, from a valgrind callgrind profile (`--dump-instr=yes`)
 * and the code map V8 writes with `--perf-basic-prof` (/tmp/perf-<pid>.map: start, size and
 * name of each piece of generated code). callgrind knows nothing of V8's generated code; the
 * map names it. A function's count includes what the optimizing compiler inlined into it.
 *
 * The callgrind format is valgrind's (docs/cl-format.html): with `positions: instr line`, a cost
 * line is `<address> <line> <Ir>`, where an address may be given relative to the previous one
 * (`+n`, `-n`) or repeated (`*`); the cost line after a `calls=` line is the call's inclusive
 * cost, counted already in the callee, so it is skipped.
 */
import { readFileSync } from "node:fs";

interface CodeRange {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

function readCodeMap(path: string): CodeRange[] {
  const ranges: CodeRange[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m === null) continue;
    const start = parseInt(m[1]!, 16);
    // Tiers differ by a marker before the name (`*` optimized, `^` baseline): one row per function.
    ranges.push({ start, end: start + parseInt(m[2]!, 16), name: m[3]!.replace(/^(JS|LazyCompile|Function):[*~^+]?/, "JS:") });
  }
  return ranges.sort((a, b) => a.start - b.start);
}

function nameAt(ranges: readonly CodeRange[], addr: number): string | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]!.start <= addr) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const r = ranges[found];
  return r !== undefined && addr < r.end ? r.name : undefined;
}

const COST_LINE = /^(0x[0-9a-f]+|[+-]\d+|\*) (?:0x[0-9a-f]+|[+-]\d+|\*|\d+) (\d+)/;

/** Self instructions by function: generated code by its map name, native code as `[native] <symbol>`. */
export function instructionsByFunction(profilePath: string, codeMapPath: string): Map<string, number> {
  const ranges = readCodeMap(codeMapPath);
  const symbols = new Map<string, string>();
  const out = new Map<string, number>();
  let fn = "?";
  let last = 0;
  let callCost = false;
  for (const line of readFileSync(profilePath, "utf8").split("\n")) {
    const named = /^c?fn=\((\d+)\)(?: (.*))?$/.exec(line);
    if (named !== null) {
      if (named[2] !== undefined) symbols.set(named[1]!, named[2]);
      if (line.startsWith("fn=")) fn = symbols.get(named[1]!) ?? "?";
      continue;
    }
    if (line.startsWith("calls=")) {
      callCost = true;
      continue;
    }
    const m = COST_LINE.exec(line);
    if (m === null) continue;
    const at = m[1]!;
    last = at === "*" ? last : at.startsWith("0x") ? parseInt(at, 16) : last + Number(at);
    if (callCost) {
      callCost = false;
      continue;
    }
    const key = nameAt(ranges, last) ?? `[native] ${fn}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[2]));
  }
  return out;
}

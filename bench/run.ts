/**
 * `npm run bench`: runs every benchmark and prints one report. Exit status 1 when a target is
 * missed, so the report can gate a release.
 */
import { verdict, type Benchmark, type BenchRow, type Sample } from "./harness.js";
import { benchmarks } from "./index.js";

function fmt(x: number): string {
  const abs = Math.abs(x);
  if (abs >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (abs >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (abs >= 1e3) return `${(x / 1e3).toFixed(2)} k`;
  if (abs >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function fmtSample(s: Sample, unit: string): string {
  return `${fmt(s.median)}${unit} (${fmt(s.min)}..${fmt(s.max)})`;
}

function targetText(row: BenchRow): string {
  const t = row.target;
  if (t === undefined) return "";
  const parts: string[] = [];
  if (t.minRatio !== undefined) parts.push(`>= ${t.minRatio}x`);
  if (t.min !== undefined) parts.push(`>= ${fmt(t.min)}${row.unit}`);
  if (t.max !== undefined) parts.push(`<= ${fmt(t.max)}${row.unit}`);
  return parts.join(", ");
}

function render(rows: readonly BenchRow[]): string {
  const table = rows.map((r) => [
    r.name,
    fmtSample(r.value, r.unit),
    r.baseline ? `${r.baseline.name}: ${fmtSample(r.baseline.value, r.unit)}` : "-",
    r.baseline ? `${(r.value.median / r.baseline.value.median).toFixed(2)}x` : "-",
    targetText(r) || "-",
    r.note ?? verdict(r),
  ]);
  const header = ["benchmark", "vplat (median, range)", "baseline (same run)", "ratio", "target", "verdict"];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...table.map(line)].join("\n");
}

async function runAll(list: readonly Benchmark[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const b of list) {
    process.stderr.write(`running ${b.name}...\n`);
    rows.push(...(await b.run()));
  }
  return rows;
}

const only = process.argv.slice(2);
const selected = only.length === 0 ? benchmarks : benchmarks.filter((b) => only.some((o) => b.name.includes(o)));
const rows = await runAll(selected);
console.log(render(rows));
const missed = rows.filter((r) => verdict(r) === "MISSED");
if (missed.length > 0) {
  console.log(`\n${missed.length} target(s) missed: ${missed.map((r) => r.name).join(", ")}`);
  process.exitCode = 1;
}

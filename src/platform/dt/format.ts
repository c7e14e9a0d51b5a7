/**
 * Trees back to text, and tree comparison.
 *
 * formatDts() writes what `dtc -I dtb -O dts` writes (dtc 1.6 treesource.c, the path where the
 * value types are unknown and guessed by guess_value_type()), plus the labels the tree carries.
 * DTS has no syntax for boot_cpuid_phys (dtc takes it from the command line, -b), so when the
 * tree's differs from dtc's guess a comment says so and the re-parsed tree will have the guess.
 */
import { hex, readU32 } from "./bytes.js";
import { looksLikeCppDirective } from "./lexer.js";
import type { DtNode, DtTree } from "./types.js";

/** dtc's guess_boot_cpuid() on a finished tree: the `reg` cell of the first child of /cpus, else 0. */
export function guessBootCpuid(root: DtNode): number {
  const first = root.children.find((c) => c.name === "cpus")?.children[0];
  const reg = first?.properties.find((p) => p.name === "reg");
  return reg !== undefined && reg.value.length === 4 ? readU32(reg.value, 0) : 0;
}

/** isprint() in the C locale. */
const isPrint = (c: number): boolean => c >= 0x20 && c <= 0x7e;
/** treesource.c isstring(): printable, NUL, or one of \a \b \t \n \v \f \r. */
const isStringByte = (c: number): boolean => isPrint(c) || c === 0 || (c >= 7 && c <= 13);

type ValueType = "string" | "cells" | "bytes";

/** guess_value_type() without markers: NUL-terminated printable text with more text than NULs, else cells when whole, else bytes. */
function guessType(v: Uint8Array): ValueType {
  let notString = 0;
  let nul = 0;
  for (const c of v) {
    if (!isStringByte(c)) notString++;
    if (c === 0) nul++;
  }
  if (v[v.length - 1] === 0 && notString === 0 && nul <= v.length - nul) return "string";
  return v.length % 4 === 0 ? "cells" : "bytes";
}

/** write_propval_string()'s escapes; dtc 1.6 writes a NUL between strings as \0, not as `", "`. */
const ESCAPES: Readonly<Record<number, string>> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 0x5c: "\\\\", 0x22: '\\"', 0: "\\0" };

/**
 * write_propval_string(): the NUL-separated strings as one escaped string. MODEL: a NUL before an
 * octal digit is written \000 where dtc writes \0, which would read back as another character
 * ("a", "1" as "a\01" is "a\x01").
 */
function formatStrings(v: Uint8Array): string {
  let s = '"';
  for (let i = 0; i < v.length - 1; i++) {
    const c = v[i]!;
    const next = v[i + 1]!;
    if (c === 0 && next >= 0x30 && next <= 0x37) s += "\\000";
    else s += ESCAPES[c] ?? (isPrint(c) ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`);
  }
  return `${s}"`;
}

/** The value part of a property line: ` = …` (or nothing for an empty property), as dtc writes it. */
export function formatValue(v: Uint8Array): string {
  if (v.length === 0) return "";
  switch (guessType(v)) {
    case "string":
      return ` = ${formatStrings(v)}`;
    case "cells": {
      const cells: string[] = [];
      for (let i = 0; i < v.length; i += 4) cells.push(hex(readU32(v, i)));
      return ` = <${cells.join(" ")}>`;
    }
    case "bytes":
      return ` = [${Array.from(v, (b) => b.toString(16).padStart(2, "0")).join(" ")}]`;
  }
}

function formatNode(n: DtNode, level: number, out: string[]): void {
  const indent = "\t".repeat(level);
  // `l: / { … }` is not DTS (dtc writes it all the same); the root's labels go on `&{/}` below.
  const labels = level === 0 ? "" : n.labels.map((l) => `${l}: `).join("");
  out.push(`${indent}${labels}${n.name === "" ? "/" : n.name} {\n`);
  for (const p of n.properties) {
    // dtc's lexer drops a leading backslash from a name; it keeps `#include;` from reading as cpp.
    const name = looksLikeCppDirective(p.name) ? `\\${p.name}` : p.name;
    out.push(`${indent}\t${p.labels.map((l) => `${l}: `).join("")}${name}${formatValue(p.value)};\n`);
  }
  for (const c of n.children) {
    out.push("\n");
    formatNode(c, level + 1, out);
  }
  out.push(`${indent}};\n`);
}

/**
 * The tree as DTS text in dtc's canonical layout. For a tree read by parseDts or parseDtb,
 * parseDts(formatDts(t)) equals t (boot_cpuid_phys aside, see above).
 */
export function formatDts(tree: DtTree): string {
  const out: string[] = ["/dts-v1/;\n\n"];
  for (const r of tree.memreserve) {
    out.push(`/memreserve/\t0x${r.address.toString(16).padStart(16, "0")} 0x${r.size.toString(16).padStart(16, "0")};\n`);
  }
  if (tree.bootCpuid !== guessBootCpuid(tree.root)) {
    out.push(`// boot_cpuid_phys is ${hex(tree.bootCpuid)}, which DTS cannot express (dtc -b ${tree.bootCpuid} sets it)\n`);
  }
  formatNode(tree.root, 0, out);
  // Each `l: &{/} { };` puts its label first, so the last one written ends up first, as in the tree.
  for (const l of [...tree.root.labels].reverse()) out.push(`\n${l}: &{/} {\n};\n`);
  return out.join("");
}

function showBytes(v: Uint8Array): string {
  const shown = Array.from(v.subarray(0, 32), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return `[${shown}${v.length > 32 ? ` … (${v.length} bytes)` : ""}]`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function nodeDiff(a: DtNode, b: DtNode, path: string, labels: boolean): string | null {
  if (a.name !== b.name) return `${path}: node named "${a.name}" vs "${b.name}"`;
  if (labels && !sameList(a.labels, b.labels)) return `${path}: labels [${a.labels.join(", ")}] vs [${b.labels.join(", ")}]`;
  const np = Math.max(a.properties.length, b.properties.length);
  for (let i = 0; i < np; i++) {
    const pa = a.properties[i];
    const pb = b.properties[i];
    if (pa === undefined || pb === undefined) {
      const extra = (pa ?? pb)!;
      return `${path}: property "${extra.name}" only in the ${pa === undefined ? "second" : "first"} tree (${a.properties.length} vs ${b.properties.length} properties)`;
    }
    if (pa.name !== pb.name) return `${path}: property ${i} is "${pa.name}" vs "${pb.name}"`;
    if (!sameBytes(pa.value, pb.value)) return `${path}: property "${pa.name}" is ${showBytes(pa.value)} vs ${showBytes(pb.value)}`;
    if (labels && !sameList(pa.labels, pb.labels)) return `${path}: property "${pa.name}" labels [${pa.labels.join(", ")}] vs [${pb.labels.join(", ")}]`;
  }
  const nc = Math.max(a.children.length, b.children.length);
  for (let i = 0; i < nc; i++) {
    const ca = a.children[i];
    const cb = b.children[i];
    if (ca === undefined || cb === undefined) {
      const extra = (ca ?? cb)!;
      return `${path}: child "${extra.name}" only in the ${ca === undefined ? "second" : "first"} tree (${a.children.length} vs ${b.children.length} children)`;
    }
    const d = nodeDiff(ca, cb, path === "/" ? `/${ca.name}` : `${path}/${ca.name}`, labels);
    if (d !== null) return d;
  }
  return null;
}

/**
 * null when the trees hold the same reservations, boot CPU, nodes and property bytes in the same
 * order, else the first difference (path and what differs). Source positions are not compared,
 * nor labels unless `opts.labels` (a DTB has none).
 */
export function treesEqual(a: DtTree, b: DtTree, opts: { labels?: boolean } = {}): string | null {
  if (a.memreserve.length !== b.memreserve.length) return `memreserve: ${a.memreserve.length} vs ${b.memreserve.length} entries`;
  for (let i = 0; i < a.memreserve.length; i++) {
    const x = a.memreserve[i]!;
    const y = b.memreserve[i]!;
    if (x.address !== y.address || x.size !== y.size) {
      return `memreserve[${i}]: ${hex(x.address)} ${hex(x.size)} vs ${hex(y.address)} ${hex(y.size)}`;
    }
  }
  if (a.bootCpuid !== b.bootCpuid) return `bootCpuid: ${hex(a.bootCpuid)} vs ${hex(b.bootCpuid)}`;
  return nodeDiff(a.root, b.root, "/", opts.labels ?? false);
}

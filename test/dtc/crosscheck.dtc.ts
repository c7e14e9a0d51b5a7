/**
 * The dtc cross-check suite (`npm run test:dtc`): vplat's DTS and DTB readers and writers against
 * dtc itself (Debian's device-tree-compiler, dtc 1.6.1 here), on
 * - test/dtc/inputs/*.dts, which between them use every language feature vplat reads;
 * - boards/*.dts;
 * - ../shared/spec/dts: the resolved mt8173 file, and the .dtsi files after macro substitution;
 * - seeded random trees and random integer expressions (precedence and 64-bit arithmetic).
 *
 * For each DTS: (1) `dtc -I dts -O dtb` gives the tree parseDts gives, and writeDtb writes the
 * same bytes as dtc, in versions 17 and 16; (2) dtc decompiles our DTB into DTS that parses back
 * to our tree; (3) dtc decompiles its own DTB into the text formatDts writes for that DTB, which
 * parses back to the same tree. Inputs dtc rejects are rejected too, and the two deliberate
 * differences (docs/device-tree.md) are pinned down.
 *
 * Needs dtc on PATH (or DTC=/path/to/dtc); without it the suite is skipped with a message.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DtError, formatDts, parseDtb, parseDts, treesEqual, writeDtb, type DtTree } from "../../src/platform/dt/index.js";
import { dtsTree } from "../platform/dt/arbitrary.js";
import { DTSI_STUBS, SPEC, preprocess, read } from "../platform/dt/spec-macros.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const INPUTS = join(ROOT, "test/dtc/inputs");
const DTC = process.env["DTC"] ?? "dtc";
const probe = spawnSync(DTC, ["--version"], { encoding: "utf8" });
const DTC_VERSION = probe.status === 0 ? probe.stdout.trim() : "";

type Run = { ok: true; out: Buffer } | { ok: false; err: string };

/** dtc with warnings off (-q); `input` goes to stdin when the last argument is `-`. */
function dtc(args: readonly string[], input?: string | Uint8Array): Run {
  const r = spawnSync(DTC, ["-q", ...args], { input, maxBuffer: 64 << 20 });
  return r.status === 0 ? { ok: true, out: r.stdout } : { ok: false, err: r.stderr.toString() || `exit ${String(r.status)}` };
}

function must(r: Run, what: string): Buffer {
  if (!r.ok) throw new Error(`dtc failed on ${what}:\n${r.err}`);
  return r.out;
}

const fromFs = {
  readInclude: (path: string): string => readFileSync(path, "utf8"),
  readBinary: (path: string): Uint8Array => new Uint8Array(readFileSync(path)),
};

interface Input {
  readonly name: string;
  readonly text: string;
  /** The file dtc reads (includes resolve against it), or undefined to pipe `text`. */
  readonly path?: string;
}

function corpus(): Input[] {
  const out: Input[] = [];
  const dir = (d: string): void => {
    if (!existsSync(d)) return;
    for (const f of readdirSync(d).filter((x) => x.endsWith(".dts")).sort()) {
      const path = join(d, f);
      out.push({ name: relative(ROOT, path), text: readFileSync(path, "utf8"), path: relative(ROOT, path) });
    }
  };
  dir(INPUTS);
  dir(join(ROOT, "boards"));
  if (existsSync(SPEC)) {
    out.push({ name: "spec: mt8173-gce-mainline.resolved.dts", text: read("mt8173-gce-mainline.resolved.dts") });
    for (const [f, stubs] of Object.entries(DTSI_STUBS)) out.push({ name: `spec: ${f} (macros substituted)`, text: preprocess(read(f), stubs) });
  }
  return out;
}

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

function sameBytes(a: Uint8Array, b: Uint8Array): string | null {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  const i = a.findIndex((x, k) => x !== b[k]);
  return i < 0 ? null : `first difference at offset 0x${i.toString(16)}: 0x${a[i]!.toString(16)} vs 0x${b[i]!.toString(16)}`;
}

/** parseDts on dtc's own DTS output (from a DTB: no labels, no includes). */
const reparse = (text: string, name: string): DtTree => parseDts(text, { file: `${name} (dtc -O dts)` });

describe.skipIf(DTC_VERSION === "")(DTC_VERSION === "" ? `dtc cross-check SKIPPED: no ${DTC} (apt-get install device-tree-compiler, or set DTC)` : `dtc cross-check against ${DTC_VERSION}`, () => {
  const inputs = corpus();

  it("has a corpus: every test input, every board and the spec's device trees", () => {
    expect(inputs.filter((i) => i.name.startsWith("test/dtc/inputs/")).length).toBeGreaterThanOrEqual(7);
    expect(inputs.length).toBeGreaterThanOrEqual(7);
  });

  for (const input of inputs) {
    describe(input.name, () => {
      const src = input.path ?? "-";
      const opts = { file: input.path ?? input.name, ...fromFs };

      it("(1) reads as dtc reads it, and writeDtb writes dtc's bytes, v17 and v16", () => {
        const ours = parseDts(input.text, opts);
        const theirs = must(dtc(["-I", "dts", "-O", "dtb", src], input.path ? undefined : input.text), input.name);
        expect(treesEqual(ours, parseDtb(u8(theirs)))).toBeNull();
        expect(sameBytes(writeDtb(ours), u8(theirs))).toBeNull();
        const theirs16 = must(dtc(["-V", "16", "-I", "dts", "-O", "dtb", src], input.path ? undefined : input.text), input.name);
        expect(sameBytes(writeDtb(ours, { version: 16 }), u8(theirs16))).toBeNull();
      });

      it("(2) dtc decompiles our DTB into DTS that reads back to our tree", () => {
        const ours = parseDts(input.text, opts);
        const text = must(dtc(["-I", "dtb", "-O", "dts", "-"], writeDtb(ours)), input.name).toString();
        expect(treesEqual(ours, reparse(text, input.name))).toBeNull();
      });

      it("(3) dtc's DTS of its own DTB is exactly formatDts's text, and reads back to the same tree", () => {
        const theirs = must(dtc(["-I", "dts", "-O", "dtb", src], input.path ? undefined : input.text), input.name);
        const text = must(dtc(["-I", "dtb", "-O", "dts", "-"], theirs), input.name).toString();
        const tree = parseDtb(u8(theirs));
        expect(formatDts(tree)).toBe(text);
        expect(treesEqual(tree, reparse(text, input.name))).toBeNull();
      });
    });
  }

  it("writes byte-identical DTBs for 150 random trees, through formatDts text dtc compiles", () => {
    fc.assert(
      fc.property(dtsTree, (t) => {
        const text = formatDts(t);
        const theirs = must(dtc(["-I", "dts", "-O", "dtb", "-"], text), text);
        expect(sameBytes(writeDtb(parseDts(text)), u8(theirs)), text).toBeNull();
      }),
      { numRuns: 150, seed: 0x0d7c },
    );
  });

  it("evaluates 600 random integer expressions as dtc does (precedence, unsigned 64-bit, errors)", () => {
    const ops = ["+", "-", "*", "/", "%", "<<", ">>", "<", ">", "<=", ">=", "==", "!=", "&", "^", "|", "&&", "||"];
    const operand = fc.oneof(
      fc.integer({ min: 0, max: 9 }).map(String),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => `0x${v.toString(16)}`),
      fc.constantFrom("'a'", "(-1)", "(~0)", "(!0)", "(-7)", "(1 ? 2 : 3)"),
    );
    // Flat chains (no parentheses) leave grouping to the precedence rules, sometimes wrapped in ?:.
    const chain = fc.tuple(operand, fc.array(fc.tuple(fc.constantFrom(...ops), operand), { minLength: 1, maxLength: 6 })).map(([first, rest]) => [first, ...rest.flat()].join(" "));
    const expr = fc.oneof(chain, fc.tuple(chain, chain, chain).map(([c, a, b]) => `${c} ? ${a} : ${b}`));
    const samples = fc.sample(expr, { numRuns: 600, seed: 0x0e7a });
    const mismatches: string[] = [];
    for (const e of samples) {
      const text = `/dts-v1/;\n/ { p = /bits/ 64 <(${e})>; };\n`;
      const theirs = dtc(["-I", "dts", "-O", "dtb", "-"], text);
      let ours: Uint8Array | DtError;
      try {
        ours = writeDtb(parseDts(text));
      } catch (err) {
        if (!(err instanceof DtError)) throw err;
        ours = err;
      }
      if (theirs.ok !== !(ours instanceof DtError)) mismatches.push(`${e}: dtc ${theirs.ok ? "accepts" : "rejects"}, vplat ${ours instanceof DtError ? `rejects (${ours.reason})` : "accepts"}`);
      else if (theirs.ok && !(ours instanceof DtError) && sameBytes(ours, u8(theirs.out)) !== null) mismatches.push(`${e}: values differ`);
    }
    expect(mismatches).toEqual([]);
  });

  // Each is an error for dtc 1.6 and for vplat (the message wording differs; positions are in the unit tests).
  const REJECTED: readonly string[] = [
    "/ { };",
    "/dts-v1/; / { a = <1>; a = <2>; };",
    "/dts-v1/; / { a { }; a { }; };",
    "/dts-v1/; / { a { }; /delete-node/ a; };",
    "/dts-v1/; / { p = <0x100000000>; };",
    "/dts-v1/; / { p = /bits/ 8 <256>; };",
    "/dts-v1/; / { p = /bits/ 7 <1>; };",
    "/dts-v1/; / { p = /bits/ 16 <&p>; };",
    "/dts-v1/; / { p = <(1 / 0)>; };",
    "/dts-v1/; / { p = <(0 && (1 % 0))>; };",
    "/dts-v1/; / { p = <09>; };",
    "/dts-v1/; / { p = <0x1ffffffffffffffff>; };",
    "/dts-v1/; / { p = <''>; };",
    "/dts-v1/; / { p = <'ab'>; };",
    '/dts-v1/; / { p = "\\x"; };',
    '/dts-v1/; / { p = "abc; };',
    "/dts-v1/; / { p = <1 -1>; };",
    "/dts-v1/; / { p = <GIC_SPI>; };",
    "/dts-v1/;\n#include <dt-bindings/irq.h>\n/ { };",
    "/dts-v1/; / { n { }; p; };",
    "/dts-v1/; / { p = <&nope>; };",
    "/dts-v1/; / { p = &{/nope}; };",
    "/dts-v1/; / { }; &nope { };",
    "/dts-v1/; / { l: a { }; l: b { }; };",
    "/dts-v1/; / { l: a { }; b { l: p; }; };",
    "/dts-v1/; / { a { p = <1 l: 2>, l: <3>; }; };",
    "/dts-v1/; / { b#c { }; };",
    "/dts-v1/; / { a@1@2 { }; };",
    "/dts-v1/; / { n { e@f; }; };",
    '/dts-v1/; / { n { name = "m"; }; };',
    "/dts-v1/; / { n { name = <1>; }; };",
    "/dts-v1/; / { n { /delete-property/ name; }; };",
    "/dts-v1/; / { n { phandle = <0>; }; };",
    "/dts-v1/; / { n { phandle = <1 2>; }; };",
    "/dts-v1/; / { n { phandle = <1>; }; m { phandle = <1>; }; };",
    "/dts-v1/; / { n { phandle = <1>; linux,phandle = <2>; }; };",
    "/dts-v1/; / { m: m { }; n { phandle = <&m>; }; };",
    "/dts-v1/; / { l: p { q: q { }; }; }; /delete-node/ &l; / { r { s = <&q>; }; };",
  ];

  it(`rejects the ${REJECTED.length} inputs dtc rejects`, () => {
    const disagree = REJECTED.filter((text) => {
      const theirs = dtc(["-I", "dts", "-O", "dtb", "-"], text);
      let oursRejects = false;
      try {
        parseDts(text);
      } catch (e) {
        if (!(e instanceof DtError)) throw e;
        oursRejects = true;
      }
      return theirs.ok || !oursRejects;
    });
    expect(disagree).toEqual([]);
  });

  it("differs from dtc where docs/device-tree.md says so, and nowhere near it", () => {
    // Overlays: dtc builds fragments and __fixups__; vplat says it does not support them.
    expect(dtc(["-I", "dts", "-O", "dtb", "-"], "/dts-v1/; /plugin/; / { };").ok).toBe(true);
    expect(() => parseDts("/dts-v1/; /plugin/; / { };")).toThrow(/not supported/);
    // dtc writes an empty structure block when the root is deleted; vplat's trees always have a root.
    expect(dtc(["-I", "dts", "-O", "dtb", "-"], "/dts-v1/; / { };\n/delete-node/ &{/};").ok).toBe(true);
    expect(() => parseDts("/dts-v1/; / { };\n/delete-node/ &{/};")).toThrow(DtError);
    // dtc's line-comment rule needs a newline; vplat ends the comment at the end of the file.
    expect(dtc(["-I", "dts", "-O", "dtb", "-"], "/dts-v1/; / { };\n// end").ok).toBe(false);
    expect(parseDts("/dts-v1/; / { };\n// end").root.children).toEqual([]);
    // dtc writes "a", "1b" as "a\01b", which reads back as "a\x01b"; formatDts writes "a\0001b".
    const t = parseDts('/dts-v1/; / { p = "a", "1b"; };');
    const text = must(dtc(["-I", "dtb", "-O", "dts", "-"], writeDtb(t)), "string list").toString();
    expect(text).toContain('p = "a\\01b";');
    expect(treesEqual(t, parseDts(text))).not.toBeNull();
    expect(treesEqual(t, parseDts(formatDts(t)))).toBeNull();
  });
});

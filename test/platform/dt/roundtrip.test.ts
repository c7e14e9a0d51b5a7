/**
 * Property tests: every writer's output reads back to the same tree, and reading is stable.
 * Expression semantics are checked against a reference evaluator of C's unsigned 64-bit rules
 * written here (dtc-parser.y uses uint64_t for every integer expression).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDts, parseDtb, parseDts, treesEqual, writeDtb } from "../../../src/platform/dt/index.js";
import { dtbTree, dtsTree } from "./arbitrary.js";
import { cells } from "./helpers.js";

describe("round trips", () => {
  it("parseDtb(writeDtb(t)) equals t, in versions 16 and 17, and rewriting gives the same bytes", () => {
    fc.assert(
      fc.property(dtbTree, fc.constantFrom(16 as const, 17 as const), (t, version) => {
        const b = writeDtb(t, { version });
        const back = parseDtb(b);
        expect(treesEqual(t, back)).toBeNull();
        expect(writeDtb(back, { version })).toEqual(b);
      }),
      { numRuns: 300 },
    );
  });

  it("parseDts(formatDts(t)) equals t, labels included, and formatting is stable", () => {
    fc.assert(
      fc.property(dtsTree, (t) => {
        const text = formatDts(t);
        const back = parseDts(text);
        expect(treesEqual(t, back, { labels: true }), text).toBeNull();
        expect(formatDts(back)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("a DTS and the DTB written from it read to the same tree", () => {
    fc.assert(
      fc.property(dtsTree, (t) => {
        const fromText = parseDts(formatDts(t));
        expect(treesEqual(fromText, parseDtb(writeDtb(fromText)))).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it("says where two trees first differ", () => {
    const a = parseDts('/dts-v1/; / { soc { gce@1 { reg = <1>; x; }; }; };');
    const b = parseDts('/dts-v1/; / { soc { gce@1 { reg = <2>; x; }; }; };');
    expect(treesEqual(a, b)).toBe("/soc/gce@1: property \"reg\" is [00 00 00 01] vs [00 00 00 02]");
    expect(treesEqual(a, parseDts("/dts-v1/; / { soc { }; };"))).toBe('/soc: child "gce@1" only in the first tree (1 vs 0 children)');
    expect(treesEqual(a, parseDts("/dts-v1/; /memreserve/ 1 2; / { };"))).toBe("memreserve: 0 vs 1 entries");
    expect(treesEqual(parseDts("/dts-v1/; / { l: n { }; };"), parseDts("/dts-v1/; / { n { }; };"), { labels: true })).toBe("/n: labels [l] vs []");
  });
});

const U64 = (1n << 64n) - 1n;
type Expr = { kind: "lit"; v: bigint } | { kind: "un"; op: string; e: Expr } | { kind: "bin"; op: string; a: Expr; b: Expr } | { kind: "tern"; c: Expr; a: Expr; b: Expr };

/** C on uint64_t; undefined for a division by zero anywhere (dtc reports it even in an untaken branch). */
function evaluate(e: Expr): bigint | undefined {
  switch (e.kind) {
    case "lit":
      return e.v;
    case "un": {
      const v = evaluate(e.e);
      if (v === undefined) return undefined;
      return e.op === "-" ? (-v & U64) : e.op === "~" ? ~v & U64 : v === 0n ? 1n : 0n;
    }
    case "tern": {
      const [c, a, b] = [evaluate(e.c), evaluate(e.a), evaluate(e.b)];
      if (c === undefined || a === undefined || b === undefined) return undefined;
      return c !== 0n ? a : b;
    }
    case "bin": {
      const [a, b] = [evaluate(e.a), evaluate(e.b)];
      if (a === undefined || b === undefined) return undefined;
      const t = (x: boolean): bigint => (x ? 1n : 0n);
      const ops: Record<string, () => bigint | undefined> = {
        "+": () => (a + b) & U64,
        "-": () => (a - b) & U64,
        "*": () => (a * b) & U64,
        "/": () => (b === 0n ? undefined : a / b),
        "%": () => (b === 0n ? undefined : a % b),
        "<<": () => (b >= 64n ? 0n : (a << b) & U64),
        ">>": () => (b >= 64n ? 0n : a >> b),
        "&": () => a & b,
        "|": () => a | b,
        "^": () => a ^ b,
        "&&": () => t(a !== 0n && b !== 0n),
        "||": () => t(a !== 0n || b !== 0n),
        "==": () => t(a === b),
        "!=": () => t(a !== b),
        "<": () => t(a < b),
        ">": () => t(a > b),
        "<=": () => t(a <= b),
        ">=": () => t(a >= b),
      };
      return ops[e.op]!();
    }
  }
}

function render(e: Expr): string {
  switch (e.kind) {
    case "lit":
      return e.v < 10n ? e.v.toString() : `0x${e.v.toString(16)}`;
    case "un":
      return `(${e.op}${render(e.e)})`;
    case "bin":
      return `(${render(e.a)} ${e.op} ${render(e.b)})`;
    case "tern":
      return `(${render(e.c)} ? ${render(e.a)} : ${render(e.b)})`;
  }
}

const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.bigInt({ min: 0n, max: 70n }), fc.bigInt({ min: 0n, max: U64 })).map((v): Expr => ({ kind: "lit", v })),
    fc.record({ kind: fc.constant("un" as const), op: fc.constantFrom("-", "~", "!"), e: tie("expr") }),
    fc.record({ kind: fc.constant("bin" as const), op: fc.constantFrom("+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "&&", "||", "==", "!=", "<", ">", "<=", ">="), a: tie("expr"), b: tie("expr") }),
    fc.record({ kind: fc.constant("tern" as const), c: tie("expr"), a: tie("expr"), b: tie("expr") }),
  ),
}));

describe("integer expressions", () => {
  it("evaluate as C does on uint64_t, and a division by zero anywhere is an error", () => {
    fc.assert(
      fc.property(expr, (e) => {
        const text = `/dts-v1/; / { p = /bits/ 64 <(${render(e)})>; };`;
        const want = evaluate(e);
        if (want === undefined) {
          expect(() => parseDts(text)).toThrow(/division by zero/);
          return;
        }
        const got = parseDts(text).root.properties[0]!.value;
        expect(new DataView(got.buffer).getBigUint64(0)).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps a 32-bit cell only when the value fits or its upper 32 bits are all ones (dtc accepts any such value)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U64 }), (v) => {
        const text = `/dts-v1/; / { p = <(0x${v.toString(16)})>; };`;
        const fits = v <= 0xffff_ffffn || v >= 0xffff_ffff_0000_0000n; // upper half all ones: a sign extension
        if (fits) expect(parseDts(text).root.properties[0]!.value).toEqual(cells(Number(v & 0xffff_ffffn)));
        else expect(() => parseDts(text)).toThrow(/out of range for a 32-bit array element/);
      }),
    );
  });
});

/**
 * The DTS reader, feature by feature. Expected bytes follow the Devicetree Specification v0.4
 * (§6.3 property values: cells big-endian, strings NUL-terminated) and dtc 1.6's documented
 * semantics (dtc-parser.y expressions, livetree.c merging, checks.c phandle allocation); the dtc
 * cross-check suite (test/dtc) compares the same inputs with dtc itself.
 */
import { describe, expect, it } from "vitest";
import { parseDts, type DtsOptions } from "../../../src/platform/dt/index.js";
import { bytes, cells, childNames, dtError, node, prop, propNames, strs } from "./helpers.js";

const dts = (body: string, opts?: DtsOptions) => parseDts(`/dts-v1/;\n${body}`, opts);
/** One property `p` of the root, from its value text. */
const value = (v: string) => prop(dts(`/ { p = ${v}; };`), "/", "p");

describe("property values", () => {
  it("encodes cells big-endian, 32 bits each (reg of the mt8173 GCE)", () => {
    expect(value("<0 0x10212000 0 0x1000>")).toEqual(cells(0, 0x1021_2000, 0, 0x1000));
  });

  it("encodes a string list with a NUL after each string", () => {
    expect(value('"mediatek,mt8173-mmsys", "syscon"')).toEqual(strs("mediatek,mt8173-mmsys", "syscon"));
  });

  it("gives an empty (boolean) property no bytes", () => {
    const t = dts("/ { ranges; };");
    expect(prop(t, "/", "ranges")).toEqual(new Uint8Array(0));
  });

  it("reads decimal, hex, octal and suffixed integer literals as strtoull(…, 0) does", () => {
    expect(value("<10 0x1F 0X1f 010 0 1U 2L 3UL 4LL 5ULL 0xffffffff>")).toEqual(cells(10, 31, 31, 8, 0, 1, 2, 3, 4, 5, 0xffff_ffff));
  });

  it("reads character literals, escapes included, as one unsigned byte", () => {
    expect(value("<'a' '\\n' '\\'' '\\x41' '\\101' '\\0' '\\377' '\\\\'>")).toEqual(cells(0x61, 10, 0x27, 0x41, 0x41, 0, 0xff, 0x5c));
  });

  it("ends a character literal at the last quote flex's longest match reaches, as dtc does ('\\\\' 'a' is one literal)", () => {
    expect(dtError(() => value("<'\\\\' 'a'>")).reason).toBe("character literal has 3 characters (bytes) instead of 1");
  });

  it("processes C escapes in strings: \\a \\b \\t \\n \\v \\f \\r \\\\ \\\" \\xNN and up to three octal digits", () => {
    expect(value('"\\a\\b\\t\\n\\v\\f\\r\\\\\\"\\x41\\x4g\\101\\0\\1234\\q"')).toEqual(
      bytes(7, 8, 9, 10, 11, 12, 13, 0x5c, 0x22, 0x41, 0x04, 0x67, 0x41, 0, 0o123, 0x34, 0x71, 0),
    );
  });

  it("truncates an octal escape above 0377 to its low byte, as dtc's get_oct_char()", () => {
    expect(value('"\\777"')).toEqual(bytes(0xff, 0));
  });

  it("keeps UTF-8 text as its bytes and lets a string span lines", () => {
    expect(value('"é\nx"')).toEqual(bytes(0xc3, 0xa9, 0x0a, 0x78, 0));
  });

  it("sizes elements with /bits/ 8, 16, 32 and 64", () => {
    expect(value("/bits/ 8 <1 0xff 'a'>")).toEqual(bytes(1, 0xff, 0x61));
    expect(value("/bits/ 16 <0x1234 5>")).toEqual(bytes(0x12, 0x34, 0, 5));
    expect(value("/bits/ 32 <7>")).toEqual(cells(7));
    expect(value("/bits/ 64 <0x123456789abcdef0 1>")).toEqual(bytes(0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0, 0, 0, 0, 0, 0, 0, 1));
  });

  it("accepts a negative value as the sign-extended element", () => {
    expect(value("/bits/ 8 <(-1) (-128)>")).toEqual(bytes(0xff, 0x80));
    expect(value("<(-1) (-2)>")).toEqual(cells(0xffff_ffff, 0xffff_fffe));
  });

  it("reads byte strings with or without spaces between the pairs", () => {
    expect(value("[00 11 2233 aA]")).toEqual(bytes(0, 0x11, 0x22, 0x33, 0xaa));
    expect(value("[]")).toEqual(new Uint8Array(0));
  });

  it("concatenates values joined by commas", () => {
    expect(value('"a", <1>, [02], /bits/ 16 <3>, "b"')).toEqual(bytes(0x61, 0, 0, 0, 0, 1, 2, 0, 3, 0x62, 0));
  });

  it("accepts labels inside and around values without changing the bytes", () => {
    expect(value("l0: <0 l1: 0x10 l2:> l3:, [l4: 01 l5: 02], l6: \"x\" l7:")).toEqual(bytes(0, 0, 0, 0, 0, 0, 0, 0x10, 1, 2, 0x78, 0));
  });

  it("takes comments of both kinds anywhere", () => {
    const t = parseDts("/dts-v1/; // c\n/ { /* a */ p /* b */ = /* c */ < /* d */ 1 // e\n >; /* multi\n line */ };");
    expect(prop(t, "/", "p")).toEqual(cells(1));
  });
});

describe("integer expressions (dtc-parser.y: unsigned 64-bit, C precedence)", () => {
  const cases: readonly (readonly [string, number])[] = [
    ["(1 + 2 * 3)", 7],
    ["(10 - 2 - 3)", 5],
    ["(100 / 7 % 3)", 2],
    ["(1 << 2 + 1)", 8],
    ["(1 + 2 << 3)", 24],
    ["(1 | 2 ^ 3 & 4)", 3],
    ["(6 & 3)", 2],
    ["(5 ^ 1)", 4],
    ["(5 | 2)", 7],
    ["(2 > 1 == 1)", 1],
    ["(1 == 1)", 1],
    ["(1 != 1)", 0],
    ["(1 < 2)", 1],
    ["(2 <= 1)", 0],
    ["(2 >= 2)", 1],
    ["(7 && 0)", 0],
    ["(0 || 3)", 1],
    ["(1 ? 2 : 3)", 2],
    ["(0 ? 2 : 3)", 3],
    ["(0 ? 2 : 0 ? 3 : 4)", 4],
    ["(1 ? 0 ? 5 : 6 : 7)", 6],
    ["(!0)", 1],
    ["(!5)", 0],
    ["(~0 & 0xff)", 0xff],
    ["(-(-3))", 3],
    ["(- - 3)", 3],
    ["(-1 > 0)", 1], // unsigned comparison
    ["(5 >> 1)", 2],
    ["(1 << 64)", 0], // shifts of 64 or more give 0 (dtc 1.6)
    ["((1 << 63) >> 63)", 1],
    ["((0 - 1) / 0x100000000)", 0xffff_ffff],
    ["('a' + 1)", 0x62],
    ["(((((1)))))", 1],
  ];
  for (const [expr, expected] of cases) {
    it(`${expr} = ${expected}`, () => expect(value(`<${expr}>`)).toEqual(cells(expected)));
  }

  it("evaluates in 64 bits before the element size applies", () => {
    expect(value("/bits/ 64 <((-1) / 2) (1 << 63)>")).toEqual(bytes(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0));
  });
});

describe("phandles and references", () => {
  it("gives &label in cells the target's phandle, allocated from 1 in the order references are met", () => {
    const t = dts("/ { a: a { }; b: b { }; c { x = <&b &a &b>; }; };");
    expect(prop(t, "/c", "x")).toEqual(cells(1, 2, 1));
    expect(prop(t, "/b", "phandle")).toEqual(cells(1));
    expect(prop(t, "/a", "phandle")).toEqual(cells(2));
  });

  it("adds only `phandle` (dtc's default -H epapr), after the node's other properties", () => {
    const t = dts("/ { g: gce { compatible = \"x\"; #mbox-cells = <2>; }; m { mboxes = <&g 0 1>; }; };");
    expect(propNames(t, "/gce")).toEqual(["compatible", "#mbox-cells", "phandle"]);
  });

  it("skips phandle values already taken by explicit phandle or linux,phandle properties", () => {
    const t = dts("/ { n { phandle = <1>; }; k2: k2 { linux,phandle = <2>; }; k: k { }; m { r = <&k &k2>; }; };");
    expect(prop(t, "/m", "r")).toEqual(cells(3, 2));
    expect(propNames(t, "/k2")).toEqual(["linux,phandle"]);
  });

  it("allocates a phandle for `phandle = <&self>` even when nothing refers to the node", () => {
    const t = dts("/ { a { }; n: n { phandle = <&n>; }; };");
    expect(prop(t, "/n", "phandle")).toEqual(cells(1));
  });

  it("resolves &{/path} in cells and in strings", () => {
    const t = dts("/ { soc { gce@10212000 { }; }; c { x = <&{/soc/gce@10212000}>; y = &{/soc/gce@10212000}; }; };");
    expect(prop(t, "/c", "x")).toEqual(cells(1));
    expect(prop(t, "/c", "y")).toEqual(strs("/soc/gce@10212000"));
  });

  it("turns &label outside cells into the target's full path with a NUL", () => {
    const t = dts('/ { soc { gce: mailbox@10212000 { }; }; aliases { gce0 = &gce; both = &gce, "x", &{/soc}; }; };');
    expect(prop(t, "/aliases", "gce0")).toEqual(strs("/soc/mailbox@10212000"));
    expect(prop(t, "/aliases", "both")).toEqual(strs("/soc/mailbox@10212000", "x", "/soc"));
  });

  it("writes the root's path as /", () => {
    expect(prop(dts("/ { p = &{/}; };"), "/", "p")).toEqual(strs("/"));
  });
});

describe("merging, extending and deleting", () => {
  it("merges repeated root nodes: later properties override in place, children merge, new items append", () => {
    const t = dts("/ { a = <1>; b = <2>; n { x = <1>; }; };\n/ { a = <3>; c; n { y; }; m { }; };");
    expect(propNames(t, "/")).toEqual(["a", "b", "c"]);
    expect(prop(t, "/", "a")).toEqual(cells(3));
    expect(propNames(t, "/n")).toEqual(["x", "y"]);
    expect(childNames(t, "/")).toEqual(["n", "m"]);
  });

  it("extends nodes with &label { … }, &{/path} { … } and adds a label with `l: &ref { … }`", () => {
    const t = dts("/ { soc { g: gce { }; }; };\n&g { a; };\n&{/soc/gce} { b; };\nl2: &g { c; };\n&l2 { d; };");
    expect(propNames(t, "/soc/gce")).toEqual(["a", "b", "c", "d"]);
    expect(node(t, "/soc/gce").labels).toEqual(["l2", "g"]);
  });

  it("keeps several labels on a node or property, in dtc's order", () => {
    const t = dts("/ { a: b: n { c: d: p; }; };");
    expect(node(t, "/n").labels).toEqual(["a", "b"]);
    expect(node(t, "/n").properties[0]!.labels).toEqual(["c", "d"]);
  });

  it("deletes nodes by name and by reference, and properties by name", () => {
    const t = dts("/ { a { }; b: b { }; c { x; y; }; };\n/ { /delete-node/ a; c { /delete-property/ x; }; };\n/delete-node/ &b;");
    expect(childNames(t, "/")).toEqual(["c"]);
    expect(propNames(t, "/c")).toEqual(["y"]);
  });

  it("revives a deleted item in its old place when it is defined again (merge_nodes)", () => {
    const t = dts("/ { x = <1>; y; n1 { }; n2 { }; n3 { }; };\n/ { /delete-property/ x; /delete-node/ n2; };\n/ { x = <2>; n2 { z; }; };");
    expect(propNames(t, "/")).toEqual(["x", "y"]);
    expect(childNames(t, "/")).toEqual(["n1", "n2", "n3"]);
    expect(propNames(t, "/n2")).toEqual(["z"]);
  });

  it("keeps a property deleted in the same first root block it was defined in (dtc only deletes while merging)", () => {
    expect(propNames(dts("/ { a = <1>; /delete-property/ a; };"), "/")).toEqual(["a"]);
  });

  it("forgets the labels of deleted nodes", () => {
    const e = dtError(() => dts("/ { l: p { q: q { }; }; };\n/delete-node/ &l;\n/ { r { s = <&q>; }; };"));
    expect(e.message).toBe("<dts>:4:14: error: unknown label &q");
  });

  it("drops /omit-if-no-ref/ nodes that nothing references, and keeps referenced ones", () => {
    const t = dts("/ { /omit-if-no-ref/ o1 { }; /omit-if-no-ref/ o2: o2 { }; o3: o3 { }; o4: o4 { }; u { p = <&o2>; q = &o4; }; };\n/omit-if-no-ref/ &o3;\n/omit-if-no-ref/ &o4;");
    expect(childNames(t, "/")).toEqual(["o2", "o4", "u"]);
  });

  it("drops a `name` property that repeats the node's base name, as dtc does", () => {
    const t = dts('/ { gce@1 { name = "gce"; x; }; };');
    expect(propNames(t, "/gce@1")).toEqual(["x"]);
  });

  it("accepts every character dtc allows in node and property names", () => {
    const t = dts("/ { a,b._+-@0,1 { #a-b,c._+*?# ; \\#x; }; \\node { }; };");
    expect(childNames(t, "/")).toEqual(["a,b._+-@0,1", "node"]);
    expect(propNames(t, "/a,b._+-@0,1")).toEqual(["#a-b,c._+*?#", "#x"]);
  });
});

describe("file-level features", () => {
  it("reads /memreserve/ entries (labels allowed) with 64-bit values", () => {
    const t = dts("/memreserve/ 0x40000000 0x100000;\nl: /memreserve/ (1 << 40) 'a';\n/ { };");
    expect(t.memreserve).toEqual([
      { address: 0x4000_0000n, size: 0x10_0000n },
      { address: 1n << 40n, size: 0x61n },
    ]);
  });

  it("accepts /dts-v1/; more than once before the tree", () => {
    expect(parseDts("/dts-v1/;\n/dts-v1/;\n/ { };").root.children).toEqual([]);
  });

  it("guesses boot_cpuid_phys from the reg of the first child of /cpus, as dtc", () => {
    expect(dts("/ { cpus { cpu@1 { reg = <1>; }; cpu@0 { reg = <0>; }; }; };").bootCpuid).toBe(1);
    expect(dts("/ { cpus { cpu@1 { reg = <1 2>; }; }; };").bootCpuid).toBe(0);
    expect(dts("/ { };").bootCpuid).toBe(0);
  });

  it("reads /include/ files relative to the including file", () => {
    const files: Record<string, string> = {
      "boards/soc/chip.dtsi": '/ { chip { /include/ "props.dtsi" }; };',
      "boards/soc/props.dtsi": "x = <1>;",
      "boards/common.dtsi": "/ { common; };",
    };
    const seen: string[] = [];
    const t = parseDts('/dts-v1/;\n/include/ "soc/chip.dtsi"\n/include/ "./soc/../common.dtsi"\n/ { };', {
      file: "boards/board.dts",
      readInclude: (path, from) => {
        seen.push(`${from} -> ${path}`);
        const text = files[path];
        if (text === undefined) throw new Error("no such file");
        return text;
      },
    });
    expect(prop(t, "/chip", "x")).toEqual(cells(1));
    expect(propNames(t, "/")).toEqual(["common"]);
    expect(seen).toEqual(["boards/board.dts -> boards/soc/chip.dtsi", "boards/soc/chip.dtsi -> boards/soc/props.dtsi", "boards/board.dts -> boards/common.dtsi"]);
  });

  it("reports positions inside included files with their names", () => {
    const e = dtError(() => parseDts('/dts-v1/;\n/include/ "bad.dtsi"', { file: "b.dts", readInclude: () => "/ {\n  p = <1 2;\n};" }));
    expect(e.message).toBe("bad.dtsi:2:11: error: syntax error: expected a number, a character literal or '(' expression ')', found ';'");
    expect([e.file, e.line, e.column]).toEqual(["bad.dtsi", 2, 11]);
  });

  it("reads /incbin/ files, whole or a slice", () => {
    const blob = Uint8Array.from([1, 2, 3, 4, 5]);
    const opts: DtsOptions = { file: "d/b.dts", readBinary: (path) => (path === "d/fw.bin" ? blob : new Uint8Array(0)) };
    const t = parseDts('/dts-v1/; / { a = /incbin/("fw.bin"); b = /incbin/("fw.bin", 1, 2); c = /incbin/("fw.bin", 3, 10); };', opts);
    expect(prop(t, "/", "a")).toEqual(bytes(1, 2, 3, 4, 5));
    expect(prop(t, "/", "b")).toEqual(bytes(2, 3));
    expect(prop(t, "/", "c")).toEqual(bytes(4, 5));
  });

  it("follows cpp line markers, so positions refer to the original file", () => {
    const e = dtError(() => parseDts('# 1 "board.dts"\n/dts-v1/;\n# 1 "inc/x.h" 1\n# 40 "board.dts" 2\n/ { p = <&nope>; };'));
    expect(e.message).toBe("board.dts:40:10: error: unknown label &nope");
  });
});

describe("errors carry file:line:column and say what is wrong", () => {
  const at = (src: string, opts?: DtsOptions) => dtError(() => parseDts(src, opts)).message;

  it("requires /dts-v1/; at the start", () => {
    expect(at("/ { };", { file: "x.dts" })).toBe("x.dts:1:1: error: expected '/dts-v1/;' at the start, found '/' (only DTS version 1 is read)");
  });

  it("rejects /plugin/ overlays as not supported", () => {
    expect(at("/dts-v1/;\n/plugin/;\n/ { };")).toBe("<dts>:2:1: error: /plugin/ (device tree overlays) is not supported");
  });

  it("explains C preprocessor lines and macro names", () => {
    expect(at('/dts-v1/;\n  #include <dt-bindings/irq.h>\n/ { };')).toMatch(/^<dts>:2:3: error: '#include' is a C preprocessor directive: vplat does not run the C preprocessor: run `cpp -nostdinc -undef -x assembler-with-cpp`/);
    expect(at("/dts-v1/;\n#define X 1\n/ { };")).toMatch(/^<dts>:2:1: error: '#define' is a C preprocessor directive/);
    expect(at("/dts-v1/;\n/ {\n\tinterrupts = <GIC_SPI 135 IRQ_TYPE_LEVEL_LOW>;\n};", { file: "board.dts" })).toMatch(
      /^board\.dts:3:16: error: unknown identifier 'GIC_SPI': vplat does not run the C preprocessor: run `cpp -nostdinc -undef -x assembler-with-cpp` on the file first, or write the value instead of the macro/,
    );
  });

  it("does not mistake #address-cells at the start of a line for a directive", () => {
    expect(prop(parseDts("/dts-v1/;\n/ {\n#address-cells = <2>;\n};"), "/", "#address-cells")).toEqual(cells(2));
  });

  it("reports syntax errors at the unexpected token", () => {
    expect(at("/dts-v1/;\n/ { a = <1> }; };")).toBe("<dts>:2:13: error: syntax error: expected ';' after property 'a', found '}'");
    expect(at("/dts-v1/;\n/ { n { } };")).toBe("<dts>:2:11: error: syntax error: expected ';' after '}', found '}'");
    expect(at("/dts-v1/;\n/ { };\nfoo { };")).toBe("<dts>:3:1: error: syntax error: expected '/ {', '&label {', /delete-node/ or the end of the file, found name 'foo'");
    expect(at("/dts-v1/;\n/ { p = okay; };")).toMatch(/^<dts>:2:9: error: unknown identifier 'okay': .* \(and a string needs double quotes\)$/);
    expect(at("/dts-v1/;\n/ { a = <1 -1>; };")).toBe("<dts>:2:12: error: syntax error: expected a number (negative values need parentheses: (-1)), found '-'");
    expect(at("/dts-v1/;\n/ { a = <1 $>; };")).toBe("<dts>:2:12: error: syntax error: expected a number, a character literal or '(' expression ')', found '$'");
  });

  it("reports unknown labels and paths where they are used", () => {
    expect(at("/dts-v1/;\n/ { mboxes = <&gce0 0 1>; };", { file: "board.dts" })).toBe("board.dts:2:15: error: unknown label &gce0");
    expect(at("/dts-v1/;\n/ { p = &{/nope}; };")).toBe("<dts>:2:9: error: unknown path &{/nope}");
    expect(at("/dts-v1/;\n/ { };\n&gce { };")).toBe("<dts>:3:1: error: unknown label &gce");
    expect(at("/dts-v1/;\n&gce { };")).toMatch(/^<dts>:2:1: error: unknown reference &gce: the first node must be the root/);
  });

  it("reports duplicate labels, node names and properties", () => {
    expect(at("/dts-v1/;\n/ { l: a { }; l: b { }; };")).toBe('<dts>:2:15: error: duplicate label "l" (already on /a)');
    expect(at("/dts-v1/;\n/ { l: a { }; b { l: p; }; };")).toBe('<dts>:2:19: error: duplicate label "l" (already on /a)');
    expect(at("/dts-v1/;\n/ { n { }; n { }; };")).toBe('<dts>:2:12: error: duplicate node name "n" in /');
    expect(at("/dts-v1/;\n/ { p = <1>;\n p = <2>; };")).toBe('<dts>:3:2: error: duplicate property "p" in / (first defined at <dts>:2:5)');
  });

  it("reports unterminated strings, character literals and comments at their start", () => {
    expect(at('/dts-v1/;\n/ { p = "abc; };')).toBe("<dts>:2:9: error: unterminated string: no closing '\"'");
    expect(at("/dts-v1/;\n/ { p = <'a>; };")).toBe("<dts>:2:10: error: unterminated character literal: no closing \"'\"");
    expect(at("/dts-v1/;\n/ { /* p = <1>; };")).toBe("<dts>:2:5: error: unterminated comment: '/*' without '*/'");
  });

  it("reports bad numbers and out-of-range values", () => {
    expect(at("/dts-v1/;\n/ { p = <09>; };")).toBe("<dts>:2:10: error: bad integer literal '09' (a leading 0 means octal)");
    expect(at("/dts-v1/;\n/ { p = <0x10g>; };")).toBe("<dts>:2:10: error: bad integer literal '0x10g'");
    expect(at("/dts-v1/;\n/ { p = <0x10000000000000000>; };")).toBe("<dts>:2:10: error: integer literal '0x10000000000000000' out of range (more than 64 bits)");
    expect(at("/dts-v1/;\n/ { p = <0x100000000>; };")).toBe("<dts>:2:10: error: value 0x100000000 out of range for a 32-bit array element");
    expect(at("/dts-v1/;\n/ { p = /bits/ 8 <256>; };")).toBe("<dts>:2:19: error: value 0x100 out of range for a 8-bit array element");
    expect(at("/dts-v1/;\n/ { p = /bits/ 12 <1>; };")).toBe("<dts>:2:16: error: array elements must be 8, 16, 32 or 64 bits, not 12");
    expect(at("/dts-v1/;\n/ { p = /bits/ 16 <&n>; n: n { }; };")).toBe("<dts>:2:20: error: references are only allowed in arrays of 32-bit elements, not /bits/ 16");
    expect(at("/dts-v1/;\n/ { p = <''>; };")).toBe("<dts>:2:10: error: empty character literal");
    expect(at("/dts-v1/;\n/ { p = <'ab'>; };")).toBe("<dts>:2:10: error: character literal has 2 characters (bytes) instead of 1");
    expect(at('/dts-v1/;\n/ { p = "\\xg"; };')).toBe("<dts>:2:9: error: \\x used with no following hex digits");
  });

  it("reports division by zero, even in a branch that is not taken (dtc evaluates every operand)", () => {
    expect(at("/dts-v1/;\n/ { p = <(1 / 0)>; };")).toBe("<dts>:2:13: error: division by zero");
    expect(at("/dts-v1/;\n/ { p = <(1 ? 2 : 3 % 0)>; };")).toBe("<dts>:2:21: error: division by zero");
  });

  it("requires properties before subnodes", () => {
    expect(at("/dts-v1/;\n/ { n { };\n l: p; };")).toBe("<dts>:3:2: error: properties must precede subnodes");
  });

  it("checks node and property names as dtc does", () => {
    expect(at("/dts-v1/;\n/ { b#c { }; };")).toBe('<dts>:2:5: error: bad character \'#\' in node name "b#c"');
    expect(at("/dts-v1/;\n/ { a@1@2 { }; };")).toBe("<dts>:2:5: error: node name \"a@1@2\" has more than one '@'");
    expect(at("/dts-v1/;\n/ { n { e@f; }; };")).toBe('<dts>:2:9: error: bad character \'@\' in property name "e@f" of /n');
    expect(at('/dts-v1/;\n/ { n@1 { name = "m"; }; };')).toBe('<dts>:2:11: error: property "name" of /n@1 is "m", not the node\'s base name "n"');
  });

  it("checks explicit phandles", () => {
    expect(at("/dts-v1/;\n/ { n { phandle = <0>; }; };")).toBe('<dts>:2:9: error: bad phandle value 0x0 in property "phandle" of /n');
    expect(at("/dts-v1/;\n/ { n { phandle = <1 2>; }; };")).toBe('<dts>:2:9: error: bad length (8) of property "phandle" of /n: a phandle is one cell');
    expect(at("/dts-v1/;\n/ { n { phandle = <1>; }; m { phandle = <1>; }; };")).toBe("<dts>:2:31: error: duplicated phandle 0x1 (also on /n)");
    expect(at("/dts-v1/;\n/ { m: m { }; n { phandle = <&m>; }; };")).toBe('<dts>:2:30: error: property "phandle" of /n refers to another node');
  });

  it("reports include problems at the /include/", () => {
    expect(at('/dts-v1/;\n/include/ "a.dtsi"')).toBe('<dts>:2:1: error: /include/ "a.dtsi": no readInclude option was given to read it with');
    expect(at('/dts-v1/;\n/include/ "a.dtsi"', { readInclude: () => { throw new Error("ENOENT"); } })).toBe('<dts>:2:1: error: cannot read /include/ "a.dtsi" (a.dtsi): ENOENT');
    const cyclic: DtsOptions = { file: "a.dts", readInclude: (p) => (p === "b.dtsi" ? '/include/ "c.dtsi"' : '/include/ "b.dtsi"') };
    expect(at('/dts-v1/;\n/include/ "b.dtsi"', cyclic)).toBe("c.dtsi:1:1: error: include cycle: a.dts -> b.dtsi -> c.dtsi -> b.dtsi");
  });

  it("refuses absurd nesting instead of overflowing the stack", () => {
    // The root is level 1, so the 512th `n {` (at column 5 + 4 * 511) is one too many.
    expect(at(`/dts-v1/;\n/ { ${"n { ".repeat(600)}`)).toBe("<dts>:2:2049: error: nodes nested deeper than 512 levels");
    // The 257th '(' (column 9 + 257) opens one level too many; the error is at the token after it.
    expect(at(`/dts-v1/;\n/ { p = <${"(".repeat(300)}`)).toBe("<dts>:2:267: error: expression nested deeper than 256 levels");
  });

  it("refuses a tree whose root was deleted", () => {
    expect(at("/dts-v1/;\n/ { };\n/delete-node/ &{/};")).toBe("<dts>:2:1: error: the root node was deleted (by /delete-node/ or /omit-if-no-ref/)");
  });
});

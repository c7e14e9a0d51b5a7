import { describe, expect, it } from "vitest";
import { AsmError, assemble, assembleProgram, toU64 } from "../../../src/tools/cmdq/index.js";

/** The error an assembly raises (fails the test when it assembles). */
function asmError(source: string, soc?: "mt8173" | "mt8183" | "mt8195"): AsmError {
  try {
    assemble(source, soc === undefined ? {} : { soc });
  } catch (err) {
    if (err instanceof AsmError) return err;
    throw err;
  }
  throw new Error(`assembled: ${source}`);
}

const u64 = (source: string, soc?: "mt8173" | "mt8183" | "mt8195") => toU64(assemble(source, soc === undefined ? {} : { soc }));

describe("assembly syntax", () => {
  it("accepts the same address as a client window, a subsys name, a subsys number or a physical address", () => {
    // DISP_OVL0 = 0x1400c000 = subsys 1 + 0xc000 on mt8173 (spec §4.1, dts)
    const forms = ["DISP_OVL0 + 0x40", "SUBSYS_1400XXXX + 0xc040", "subsys1 + 0xc040", "0x1400c040", "disp_ovl0+64"];
    for (const a of forms) expect(u64(`write ${a}, 1`)).toEqual([0x0401c040_00000001n]);
  });

  it("accepts events by name, with the CMDQ_EVENT_ prefix, in any case, or by number", () => {
    for (const e of ["MUTEX0_STREAM_EOF", "CMDQ_EVENT_MUTEX0_STREAM_EOF", "mutex0_stream_eof", "53", "0x35"]) {
      expect(u64(`wfe ${e}`)).toEqual([0x20000035_80008001n]);
    }
  });

  it("takes mnemonics in any case, comments after ; # and //, and blank lines", () => {
    const source = "; header\n\n  EOC   # irq\n  Jump +8 // finalize\n";
    expect(u64(source)).toEqual([0x40000000_00000001n, 0x10000000_00000008n]);
  });

  it("resolves labels forwards, backwards and at the end of the buffer", () => {
    const source = ["start:", "  jump end", "  jump start", "again: back: jump again", "end:"].join("\n");
    // jump end: +24 from 0; jump start: -8 from 8; jump again: 0 from 16
    expect(u64(source)).toEqual([0x10000000_00000018n, 0x10000000_fffffff8n, 0x10000000_00000000n]);
  });

  it("scales jump displacements and absolute targets by shift_pa on mt8195", () => {
    expect(u64("l: jump l\n jump l", "mt8195")).toEqual([0x10000000_00000000n, 0x10000000_ffffffffn]);
    expect(u64("jump_abs 0x7fffffff8", "mt8195")).toEqual([0x10000001_ffffffffn]);
  });

  it("reads numbers in hex, binary and decimal with _ separators", () => {
    expect(u64("mask 0x0000_ff00\nmask 0b1111_0000\nmask 1_000")).toEqual([
      0x02000000_ffff00ffn,
      0x02000000_ffffff0fn,
      0x02000000_fffffc17n,
    ]);
  });

  it("assembles the two forms of assign", () => {
    expect(u64("assign SPR0, 0x14001000\nassign SPR0, 0x1400, 0x1000")).toEqual([0xa0800000_14001000n, 0xa0800000_14001000n]);
  });

  it("records where each instruction came from", () => {
    const p = assembleProgram("; x\nloop:  eoc\n    jump loop\n");
    expect(p.positions).toEqual([
      { line: 2, column: 8 },
      { line: 3, column: 5 },
    ]);
  });

  it("assembles an empty source to an empty buffer", () => {
    expect(assemble("; nothing\n")).toEqual(new Uint32Array(0));
  });
});

describe("assembly errors name the line, the column and what was expected", () => {
  it.each([
    ["frob 1", 1, 1, "a mnemonic"],
    ["  write DISP_OVL0 + 0x41, 1", 1, 21, "an even offset"],
    ["write DISP_OVL0 + 0x1000, 1", 1, 19, "an offset 0..0x0fff"],
    ["write 0x12340000, 1", 1, 7, "an address in a subsys of mt8173"],
    ["write SUBSYS_1c00XXXX + 0, 1", 1, 7, "an address"],
    ["poll subsys128 + 0, 1", 1, 6, "an address"],
    ["write subsys1 + 0 1", 1, 19, "','"],
    ["write subsys1 + 0, 0x100000000", 1, 20, "a 32-bit value"],
    ["write subsys1 + 0, 1, mask", 1, 23, "'masked'"],
    ["wfe NO_SUCH_EVENT", 1, 5, "an event name of mt8173"],
    ["wfe 1024", 1, 5, "an event name of mt8173 or a number 0..1023"],
    ["wfe 53, 0x80009001", 1, 9, "a WFE flag word without bits 12..14 or 28..30"],
    ["jump nowhere", 1, 6, "a label defined in this file"],
    ["jump 8", 1, 6, "a label or a signed byte displacement"],
    ["eoc now", 1, 5, "'noirq' or end of line"],
    ["eoc noirq extra", 1, 11, "end of line"],
    ["read_s SPR4, [SPR0 + 0]", 1, 8, "a register"],
    ["read_s SPR1, [R0 + 0]", 1, 15, "a high-address register for the 5-bit sop"],
    ["read_s SPR1, [SPR0 + 0x10000]", 1, 22, "a 16-bit low address"],
    ["move R16, 0", 1, 6, "a GPR (R0..R15)"],
    ["add SPR0, SPR0, 0x10000", 1, 17, "a 16-bit immediate"],
    ["mask", 1, 5, "a 32-bit value"],
    [".inst 0x1_00000000_00000000", 1, 7, "a 64-bit word in hex"],
    ["write @", 1, 7, "an instruction, a label or a comment"],
    ["a: eoc\na: eoc", 2, 1, "a new label name"],
  ])("%s", (source, line, column, expected) => {
    const err = asmError(source);
    expect(err.line).toBe(line);
    expect(err.column).toBe(column);
    expect(err.expected).toContain(expected);
    expect(err.message).toContain(`line ${line}, column ${column}: expected`);
  });

  it("requires mt8195 relative jumps to be multiples of 8 (shift_pa 3)", () => {
    const err = asmError("jump +12", "mt8195");
    expect(err.expected).toContain("a multiple of 8");
    expect(err.column).toBe(7);
  });

  it("reports every bad line in one error, in line order", () => {
    const err = asmError("frob\neoc\nwfe X\njump y\n");
    expect(err.diagnostics.map((d) => d.line)).toEqual([1, 3, 4]);
    expect(err.diagnostics[0]!.found).toBe("'frob'");
  });

  it("says 'end of line' when an operand is missing", () => {
    const err = asmError("write subsys1 + 0,");
    expect(err.diagnostics[0]!.found).toBe("end of line");
    expect(err.column).toBe(19);
  });
});

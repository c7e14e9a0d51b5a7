import { describe, expect, it } from "vitest";
import {
  DumpError,
  bytesToWords,
  fromU64,
  isText,
  looksLikeHexDump,
  parseDump,
  parseHexDump,
  toU64,
  wordsToBytes,
} from "../../../src/tools/cmdq/index.js";

// The seed's finalize (spec §1.6): EOC 0x40000000_00000001, JUMP 0x10000000_00000008.
const FINALIZE = [0x40000000_00000001n, 0x10000000_00000008n];
const ascii = (s: string) => new TextEncoder().encode(s);

function dumpError(text: string): DumpError {
  try {
    parseHexDump(text);
  } catch (err) {
    if (err instanceof DumpError) return err;
    throw err;
  }
  throw new Error(`parsed: ${text}`);
}

describe("raw little-endian words", () => {
  it("reads each 8 bytes as one word, low byte first", () => {
    const bytes = Uint8Array.of(0x01, 0, 0, 0, 0, 0, 0, 0x40, 0x08, 0, 0, 0, 0, 0, 0, 0x10);
    expect(toU64(parseDump(bytes).words)).toEqual(FINALIZE);
    expect(parseDump(bytes).format).toBe("raw");
    expect(wordsToBytes(bytesToWords(bytes))).toEqual(bytes);
  });

  it("reads a subarray of a larger buffer at its own offset", () => {
    const backing = new Uint8Array(24);
    backing.set(wordsToBytes(fromU64(FINALIZE)), 8);
    expect(toU64(bytesToWords(backing.subarray(8)))).toEqual(FINALIZE);
  });

  it("rejects a length that is not whole instructions", () => {
    expect(() => parseDump(new Uint8Array(12))).toThrow(/12 bytes/);
  });

  it("can be forced for input that happens to be printable", () => {
    expect(parseDump(ascii("        "), { format: "raw" }).words).toEqual(Uint32Array.of(0x20202020, 0x20202020));
  });
});

describe("hex dumps", () => {
  it.each([
    ["16-digit words, one per line", "4000000000000001\n1000000000000008\n"],
    ["0x words with an underscore, as the spec writes them", "0x40000000_00000001\n0x10000000_00000008"],
    ["words with an address, as print_hex_dump with group size 8", "00000000: 4000000000000001 1000000000000008\n"],
    ["halves in memory order with addresses (print_hex_dump, group size 4)", "00000000: 00000001 40000000 00000008 10000000\n"],
    ["one half per line", "00000001\n40000000\n00000008\n10000000\n"],
    ["halves as a C array", "0x00000001, 0x40000000,\n0x00000008, 0x10000000,\n"],
    ["printk timestamps, comments and CRLF", "[   12.345678] 00000001 40000000 # eoc\r\n[   12.345679] 00000008 10000000 // jump\r\n"],
    ["halves high first, as a printk of (arg_a, arg_b)", "40000000 00000001\n10000000 00000008\n"],
    ["short 0x halves", "0x1 0x40000000 0x8 0x10000000"],
  ])("reads %s", (_, text) => {
    expect(toU64(parseDump(ascii(text)).words)).toEqual(FINALIZE);
  });

  it("reports how it paired halves", () => {
    expect(parseHexDump("00000001 40000000").halves).toBe("low-first");
    expect(parseHexDump("40000000 00000001").halves).toBe("high-first");
    expect(parseHexDump("4000000000000001").halves).toBeUndefined();
  });

  it("pairs halves in the order it is told", () => {
    expect(toU64(parseHexDump("40000000 00000001", { halves: "low-first" }).words)).toEqual([0x00000001_40000000n]);
  });

  it("prefers low-first when both orders decode as many words", () => {
    // neither order of (0x11111111, 0x22222222) decodes
    expect(parseHexDump("11111111 22222222").halves).toBe("low-first");
  });

  it("reads an empty dump as an empty buffer", () => {
    expect(parseHexDump("# nothing\n\n").words).toEqual(new Uint32Array(0));
  });

  it.each([
    ["a token that is not hex", "00000001 4000000g", 1, 10],
    ["a 12-digit token without 0x", "\n  000000000001", 2, 3],
    ["an odd number of halves", "00000001 40000000\n00000008", 2, 1],
    ["a word between two halves", "00000001 4000000000000001 40000000", 1, 10],
    ["a 17-digit 0x token", "0x10000000000000000", 1, 1],
  ])("rejects %s, naming the line and column", (_, text, line, column) => {
    expect(dumpError(text).position).toEqual({ line, column });
  });
});

describe("telling inputs apart", () => {
  it("treats printable ASCII as text and anything with NUL as raw", () => {
    expect(isText(ascii("0x40000000_00000001\n"))).toBe(true);
    expect(isText(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0x40))).toBe(false);
  });

  it("tells a hex dump from assembly by its first token", () => {
    expect(looksLikeHexDump("# buffer\n00000000: 00000001 40000000")).toBe(true);
    expect(looksLikeHexDump("[  1.0] 0x40000000_00000001")).toBe(true);
    expect(looksLikeHexDump("; packet\n  add SPR0, SPR0, 1")).toBe(false);
    expect(looksLikeHexDump("loop:\n  eoc")).toBe(false);
    expect(looksLikeHexDump("")).toBe(false);
  });
});

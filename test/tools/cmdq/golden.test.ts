import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { assemble, disassemble, lint, parseHexDump, type SocName } from "../../../src/tools/cmdq/index.js";

const GOLDEN = fileURLToPath(new URL("../../golden/cmdq/", import.meta.url));

interface Case {
  readonly line: number;
  readonly asm: string;
  readonly lo: number;
  readonly hi: number;
}

/** Parses `asm => 0xHHHHHHHH_LLLLLLLL` lines; `# soc: NAME` sets the SoC. */
function readGolden(name: string): { soc: SocName; cases: Case[] } {
  let soc: SocName = "mt8173";
  const cases: Case[] = [];
  readFileSync(GOLDEN + name, "utf8")
    .split("\n")
    .forEach((text, i) => {
      const directive = /^# soc: (\S+)/.exec(text);
      if (directive !== null) soc = directive[1] as SocName;
      if (text.trim() === "" || text.startsWith("#")) return;
      const m = /^(.*\S) => 0x([0-9a-f]{8})_([0-9a-f]{8})$/.exec(text);
      if (m === null) throw new Error(`${name}:${i + 1}: not 'asm => word'`);
      cases.push({ line: i + 1, asm: m[1]!, hi: parseInt(m[2]!, 16), lo: parseInt(m[3]!, 16) });
    });
  return { soc, cases };
}

const goldenFiles = readdirSync(GOLDEN).filter((f) => f.endsWith(".golden"));

describe("golden encodings, one file per op", () => {
  it("covers every opcode of the spec", () => {
    const ops = ["mask", "write", "poll", "jump", "wfe", "eoc", "read_s", "write_s", "write_s_mask", "logic"];
    for (const op of ops) expect(goldenFiles).toContain(`${op}.golden`);
  });

  for (const file of goldenFiles) {
    const { soc, cases } = readGolden(file);
    describe(file, () => {
      it.each(cases)("line $line: $asm", ({ asm, lo, hi }) => {
        expect([...assemble(asm, { soc })]).toEqual([lo, hi]);
        const d = disassemble(Uint32Array.of(lo, hi), { soc });
        expect(d.lines[0]!.text).toBe(asm);
        expect(d.warnings.length).toBe(asm.startsWith(".inst") ? 1 : 0);
      });
    });
  }
});

describe("golden buffers from kernel hex dumps", () => {
  const buffers: [name: string, soc: SocName][] = [
    ["drm-frame", "mt8173"],
    ["mt8195-loop", "mt8195"],
  ];

  it.each(buffers)("%s: the dump disassembles to the expected text, which assembles back to the dump", (name, soc) => {
    const dump = parseHexDump(readFileSync(`${GOLDEN}${name}.hex`, "utf8"));
    const expected = readFileSync(`${GOLDEN}${name}.asm`, "utf8");
    const d = disassemble(dump.words, { soc });
    expect(d.text).toBe(expected);
    expect(d.warnings).toEqual([]);
    expect([...assemble(expected, { soc })]).toEqual([...dump.words]);
  });

  it("reads the print_hex_dump halves low half first", () => {
    expect(parseHexDump(readFileSync(`${GOLDEN}drm-frame.hex`, "utf8")).halves).toBe("low-first");
  });

  it("finds nothing to report in the DRM frame update", () => {
    expect(lint(readFileSync(`${GOLDEN}drm-frame.asm`, "utf8"))).toEqual([]);
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LINT_RULES, SOC_NAMES, assemble, lint, toU64, type SocName } from "../../../src/tools/cmdq/index.js";

const DOC = readFileSync(new URL("../../../docs/cmdq-asm.md", import.meta.url), "utf8");

/** The ```gce blocks of the syntax reference, with the SoC named after the fence. */
const blocks = [...DOC.matchAll(/```gce( \w+)?\n([\s\S]*?)```/g)].map((m) => ({
  soc: (m[1]?.trim() ?? "mt8173") as SocName,
  source: m[2]!,
}));

describe("docs/cmdq-asm.md", () => {
  it("has examples, all for known SoCs", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const b of blocks) expect(SOC_NAMES).toContain(b.soc);
  });

  /** The `; 0xHHHHHHHH_LLLLLLLL` comment of each instruction line (null where there is none). */
  const wordComments = (source: string) =>
    source
      .split("\n")
      .filter((l) => /^\s*[a-z.]/i.test(l.replace(/^\w+:/, "")))
      .map((l) => /; (0x[0-9a-f]{8})_([0-9a-f]{8})\s*$/.exec(l));

  it.each(blocks)("example %#: assembles, and every '; 0x…' comment is that line's word", ({ soc, source }) => {
    const words = toU64(assemble(source, { soc }));
    wordComments(source).forEach((m, i) => {
      if (m !== null) expect(words[i]).toBe(BigInt(`${m[1]}${m[2]}`));
    });
  });

  it("spells out the words of at least ten example instructions", () => {
    expect(blocks.flatMap((b) => wordComments(b.source)).filter((m) => m !== null).length).toBeGreaterThanOrEqual(10);
  });

  it("lists in its lint example exactly the findings lint makes", () => {
    const example = blocks.find((b) => b.source.startsWith("; lint:"))!;
    const listed = [...example.source.split("\n")[0]!.matchAll(/([a-z-]+) \((error|warning)\)/g)].map((m) => m[1]);
    expect(lint(example.source).map((f) => f.rule).sort()).toEqual([...listed].sort());
  });

  it("documents every lint rule with its severity", () => {
    const rows = [...DOC.matchAll(/^\| `([a-z-]+)` \| (error|warning) \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(Object.entries(LINT_RULES).map(([rule, r]) => [rule, r.severity]));
  });
});

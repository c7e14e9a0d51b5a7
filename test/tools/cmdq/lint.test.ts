import { describe, expect, it } from "vitest";
import { LINT_RULES, fromU64, lint, type LintOptions, type LintRule } from "../../../src/tools/cmdq/index.js";

/** The finalized tail every clean packet ends with (seed cmdq_pkt_finalize, spec §1.6). */
const FINAL = "  eoc\n  jump +8\n";

const rules = (source: string, options: LintOptions = {}) => lint(source, options).map((f) => f.rule);

interface RuleCase {
  readonly rule: LintRule;
  /** A packet the rule flags, and the source line of the finding. */
  readonly bad: string;
  readonly line: number;
  /** The nearest packet it does not flag. */
  readonly good: string;
  readonly options?: LintOptions;
}

const CASES: readonly RuleCase[] = [
  { rule: "no-eoc", bad: "  write DISP_OVL0 + 0x040, 1\n  jump +8\n", line: 2, good: `  write DISP_OVL0 + 0x040, 1\n${FINAL}` },
  { rule: "no-eoc", bad: "  eoc noirq\n  jump +8\n", line: 2, good: FINAL },
  { rule: "not-finalized", bad: "  write DISP_OVL0 + 0x040, 1\n  eoc\n", line: 2, good: `  write DISP_OVL0 + 0x040, 1\n${FINAL}` },
  { rule: "after-final-jump", bad: `${FINAL}  write DISP_OVL0 + 0x040, 1\n${FINAL}`, line: 3, good: `  write DISP_OVL0 + 0x040, 1\n${FINAL}` },
  { rule: "jump-target", bad: `  jump +4\n${FINAL}`, line: 1, good: `  jump +8\n${FINAL}` },
  { rule: "jump-target", bad: `  jump -8\n${FINAL}`, line: 1, good: `  jump +24\n${FINAL}` },
  { rule: "jump-target", bad: `  jump +32\n${FINAL}`, line: 1, good: `  jump +24\n${FINAL}` },
  { rule: "jump-target", bad: `  jump_abs 0x40001004\n${FINAL}`, line: 1, good: `  jump_abs 0x40001008\n${FINAL}` },
  {
    rule: "jump-target",
    bad: `  jump_abs 0x50000000\n${FINAL}`,
    line: 1,
    good: `  jump_abs 0x40000010\n${FINAL}`,
    options: { base: 0x4000_0000 },
  },
  {
    rule: "event-no-producer",
    bad: `  wfe 300\n${FINAL}`,
    line: 1,
    good: `  wfe MUTEX0_STREAM_EOF\n${FINAL}`,
  },
  {
    rule: "event-no-producer",
    bad: `  wfe 300\n${FINAL}`,
    line: 1,
    good: `  set_event 300\n  wfe 300\n${FINAL}`,
  },
  {
    rule: "wait-without-clear",
    bad: `  wait_no_clear MUTEX0_STREAM_EOF\n${FINAL}`,
    line: 1,
    good: `  clear_event MUTEX0_STREAM_EOF\n  wait_no_clear MUTEX0_STREAM_EOF\n${FINAL}`,
  },
  {
    rule: "clear-without-wait",
    bad: `  clear_event MUTEX0_STREAM_EOF\n${FINAL}`,
    line: 1,
    good: `  clear_event MUTEX0_STREAM_EOF\n  wfe MUTEX0_STREAM_EOF\n${FINAL}`,
  },
  { rule: "unknown-subsys", bad: `  write subsys7 + 0x0010, 1\n${FINAL}`, line: 1, good: `  write subsys3 + 0x0010, 1\n${FINAL}` },
  { rule: "unknown-subsys", bad: `  poll subsys0 + 0x0010, 1\n${FINAL}`, line: 1, good: `  poll subsys1 + 0x0010, 1\n${FINAL}` },
  {
    rule: "mask-unused",
    bad: `  mask 0x0000ff00\n  write DISP_OVL0 + 0x040, 1\n${FINAL}`,
    line: 1,
    good: `  mask 0x0000ff00\n  write DISP_OVL0 + 0x040, 1, masked\n${FINAL}`,
  },
  {
    rule: "mask-unused",
    bad: `  mask 0x0000ff00\n${FINAL}`,
    line: 1,
    // cmdq_pkt_poll_addr: MASK, MOVE R15, POLL [R15] masked
    good: `  mask 0x0000ff00\n  move R15, 0x1400c040\n  poll [R15], 1, masked\n${FINAL}`,
  },
  {
    rule: "mask-missing",
    bad: `  write_s_mask [SPR0 + 0x0002], SPR1\n${FINAL}`,
    line: 1,
    good: `  mask 0xffff0000\n  write_s_mask [SPR0 + 0x0002], SPR1\n${FINAL}`,
  },
  {
    rule: "loop-no-yield",
    bad: `loop:\n  write DISP_OVL0 + 0x040, 1\n  jump loop\n${FINAL}`,
    line: 3,
    good: `loop:\n  wfe MUTEX0_STREAM_EOF\n  write DISP_OVL0 + 0x040, 1\n  jump loop\n${FINAL}`,
  },
  {
    rule: "loop-no-yield",
    bad: `self: jump self\n${FINAL}`,
    line: 1,
    good: `loop:\n  poll DISP_MUTEX + 0x020, 1\n  jump loop\n${FINAL}`,
  },
  { rule: "unknown-instruction", bad: `  .inst 0x05000000_00000000\n${FINAL}`, line: 1, good: FINAL },
];

describe("lint rules", () => {
  it.each(CASES)("$rule flags line $line and passes the fixed packet", ({ rule, bad, line, good, options }) => {
    const found = lint(bad, options).filter((f) => f.rule === rule);
    expect(found).toHaveLength(1);
    expect(found[0]!.position?.line).toBe(line);
    expect(found[0]!.severity).toBe(LINT_RULES[rule].severity);
    expect(found[0]!.message.length).toBeGreaterThan(20);
    expect(rules(good, options)).not.toContain(rule);
  });

  it("has a positive and a negative case for every rule", () => {
    expect(new Set(CASES.map((c) => c.rule))).toEqual(new Set(Object.keys(LINT_RULES)));
  });

  it("finds nothing in the seed's write, wfe and finalize sequence", () => {
    const seed = ["  wfe MUTEX0_STREAM_EOF", "  mask 0x000000ff", "  write DISP_RDMA2 + 0x00c, 0x00000001, masked", FINAL].join("\n");
    expect(lint(seed)).toEqual([]);
  });

  it("does not flag the controller's chaining jump to the next packet as out of the buffer", () => {
    expect(rules(`  eoc\n  jump_abs 0x50000000\n`, { base: 0x4000_0000 })).toEqual([]);
  });

  it("uses the SoC's tables: 597 is VDO0_DISP_STREAM_DONE_0 on mt8195, unproduced on mt8173", () => {
    const source = `  wfe 597\n${FINAL}`;
    expect(rules(source, { soc: "mt8195" })).toEqual([]);
    expect(rules(source, { soc: "mt8173" })).toEqual(["event-no-producer"]);
  });

  it("lints words too, with offsets and no source positions", () => {
    const findings = lint(fromU64([0x05000000_00000000n, 0x40000000_00000001n]));
    expect(findings.map((f) => [f.rule, f.index, f.offset, f.position])).toEqual([
      ["unknown-instruction", 0, 0, undefined],
      ["not-finalized", 1, 8, undefined],
    ]);
  });

  it("reports an empty buffer as having no EOC", () => {
    expect(lint(new Uint32Array(0)).map((f) => [f.rule, f.index])).toEqual([["no-eoc", 0]]);
  });

  it("sorts findings by instruction", () => {
    const findings = lint(`  clear_event 300\n  write subsys9 + 0, 1\n  mask 1\n`);
    expect(findings.map((f) => f.index)).toEqual([...findings.map((f) => f.index)].sort((a, b) => a - b));
  });
});

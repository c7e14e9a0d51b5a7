/**
 * formatDts(): dtc's `-O dts` layout (treesource.c) with its guessed value types: NUL-terminated
 * printable text is a string, whole 32-bit words are cells, anything else bytes.
 */
import { describe, expect, it } from "vitest";
import { formatDts, formatValue, parseDts, treesEqual } from "../../../src/platform/dt/index.js";
import { bytes, cells, strs } from "./helpers.js";

describe("formatDts", () => {
  it("writes dtc's layout: header, reservations, tabs, a blank line before each child", () => {
    const t = parseDts('/dts-v1/;\n/memreserve/ 0x1000 0x20;\n/ { model = "m"; l: soc { ranges; g: gce@1 { reg = <1>; }; }; };');
    expect(formatDts(t)).toBe(
      [
        "/dts-v1/;",
        "",
        "/memreserve/\t0x0000000000001000 0x0000000000000020;",
        "/ {",
        '\tmodel = "m";',
        "",
        "\tl: soc {",
        "\t\tranges;",
        "",
        "\t\tg: gce@1 {",
        "\t\t\treg = <0x01>;",
        "\t\t};",
        "\t};",
        "};",
        "",
      ].join("\n"),
    );
  });

  it("guesses value types as dtc's guess_value_type()", () => {
    expect(formatValue(strs("mediatek,mt8173-mmsys", "syscon"))).toBe(' = "mediatek,mt8173-mmsys\\0syscon"');
    expect(formatValue(cells(0, 0x1021_2000))).toBe(" = <0x00 0x10212000>");
    expect(formatValue(bytes(0x61, 0x62, 0x63))).toBe(" = [61 62 63]"); // no final NUL: not a string
    expect(formatValue(bytes(0x61, 0, 0, 0))).toBe(" = <0x61000000>"); // more NULs than text
    expect(formatValue(bytes(0x61, 1, 0))).toBe(" = [61 01 00]"); // \x01 is not string material
    expect(formatValue(bytes(9, 0x22, 0x5c, 0))).toBe(' = "\\t\\"\\\\"');
    expect(formatValue(new Uint8Array(0))).toBe("");
  });

  it("writes a NUL before an octal digit as \\000, so the text reads back to the same bytes", () => {
    const v = strs("a", "1b");
    expect(formatValue(v)).toBe(' = "a\\0001b"');
    expect(parseDts(`/dts-v1/; / { p${formatValue(v)}; };`).root.properties[0]!.value).toEqual(v);
  });

  it("puts the root's labels on &{/} blocks, escapes names cpp would take, and notes a boot CPU DTS cannot say", () => {
    const t = parseDts("/dts-v1/;\n/ { \\#include; };\na: &{/} { };\nb: &{/} { };");
    const text = formatDts({ ...t, bootCpuid: 2 });
    expect(text).toBe("/dts-v1/;\n\n// boot_cpuid_phys is 0x02, which DTS cannot express (dtc -b 2 sets it)\n/ {\n\t\\#include;\n};\n\na: &{/} {\n};\n\nb: &{/} {\n};\n");
    expect(treesEqual(t, parseDts(text), { labels: true })).toBeNull();
  });
});

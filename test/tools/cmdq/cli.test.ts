import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { fakeIo } from "../../support/fake-io.js";

async function run(argv: string[], files: Record<string, string | Uint8Array> = {}, stdin?: string | Uint8Array) {
  const io = fakeIo(stdin === undefined ? { files } : { files, stdin });
  const code = await main(argv, io);
  return { code, stdout: io.out(), stderr: io.err(), files: Object.fromEntries(io.files) };
}

const PACKET = "  clear_event MUTEX0_STREAM_EOF\n  wait_no_clear MUTEX0_STREAM_EOF\n  write DISP_OVL0 + 0x040, 0x00000001\n  eoc\n  jump +8\n";
// The same packet's words, derived from the spec (§1.2, §1.3, §4.1) as in the golden files.
const WORDS = "0x20000035_80000000\n0x20000035_00008001\n0x0401c040_00000001\n0x40000000_00000001\n0x10000000_00000008\n";

describe("vplat cmdq asm", () => {
  it("prints one 64-bit word per line", async () => {
    expect(await run(["cmdq", "asm", "p.asm"], { "p.asm": PACKET })).toMatchObject({ code: 0, stdout: WORDS, stderr: "" });
  });

  it("writes to -o OUT and reads standard input for -", async () => {
    const r = await run(["cmdq", "asm", "-", "-o", "p.hex"], {}, PACKET);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.files["p.hex"]).toBe(WORDS);
  });

  it("names the file, line and column of every error, and exits 2", async () => {
    const r = await run(["cmdq", "asm", "bad.asm"], { "bad.asm": "  eoc\n  wfe NOPE\n  jump nowhere\n" });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "bad.asm:2:7: error: expected an event name of mt8173 or a number 0..1023, found 'NOPE'\n" +
        "bad.asm:3:8: error: expected a label defined in this file, found 'nowhere'\n",
    );
  });

  it("adds the fix to the error when there is one", async () => {
    const r = await run(["cmdq", "asm", "-"], {}, "write DISP_OVL0 + 0x41, 1\n");
    expect(r.stderr).toBe("<stdin>:1:19: error: expected an even offset, found '0x41' (bit 0 is the use-mask flag; append ', masked' instead)\n");
  });

  it("reports an output file it cannot create, with exit 2", async () => {
    const io = fakeIo({ stdin: "eoc\n" });
    io.createFile = () => {
      throw new Error("EACCES: permission denied");
    };
    expect(await main(["cmdq", "asm", "-", "-o", "/ro/p.hex"], io)).toBe(2);
    expect(io.err()).toBe("vplat cmdq: cannot write '/ro/p.hex': EACCES: permission denied\n");
  });

  it("writes raw little-endian bytes with --binary, which disasm reads back", async () => {
    const r = await run(["cmdq", "asm", "--binary", "-o", "p.bin", "p.asm"], { "p.asm": "eoc\njump +8\n" });
    expect(r.code).toBe(0);
    // EOC 0x40000000_00000001 then JUMP 0x10000000_00000008, each as (low, high) little-endian dwords.
    expect([...(r.files["p.bin"] as Uint8Array)]).toEqual([1, 0, 0, 0, 0, 0, 0, 0x40, 8, 0, 0, 0, 0, 0, 0, 0x10]);
    const back = await run(["cmdq", "disasm", "p.bin"], { "p.bin": r.files["p.bin"] as Uint8Array });
    expect(back.stdout).toBe("  eoc\n  jump +8\n");
  });

  it("refuses to write binary to a terminal", async () => {
    const io = fakeIo({ stdin: "eoc\n", tty: true });
    expect(await main(["cmdq", "asm", "--binary", "-"], io)).toBe(2);
    expect(io.err()).toContain("refusing to write binary to a terminal");
    expect(io.out()).toBe("");
  });

  it("uses the SoC given with --soc", async () => {
    const r = await run(["cmdq", "asm", "--soc", "mt8195", "-"], {}, "wfe VDO0_DISP_STREAM_DONE_0\njump +8\n");
    expect(r.stdout).toBe("0x20000255_80008001\n0x10000000_00000001\n");
  });
});

describe("vplat cmdq disasm", () => {
  it("disassembles a hex dump back to the canonical text", async () => {
    expect(await run(["cmdq", "disasm", "p.hex"], { "p.hex": WORDS })).toMatchObject({ code: 0, stdout: PACKET, stderr: "" });
  });

  it("reads raw little-endian words", async () => {
    const raw = Uint8Array.of(0x01, 0, 0, 0, 0, 0, 0, 0x40, 0x08, 0, 0, 0, 0, 0, 0, 0x10);
    expect((await run(["cmdq", "disasm", "p.bin"], { "p.bin": raw })).stdout).toBe("  eoc\n  jump +8\n");
  });

  it("prints unknown words as .inst with a warning on stderr, and still exits 0", async () => {
    const r = await run(["cmdq", "disasm", "-"], {}, "0x05000000_00000000\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("  .inst 0x05000000_00000000\n");
    expect(r.stderr).toBe("<stdin>: +0x0000: warning: unknown opcode (word 0x05000000_00000000); printed as .inst\n");
  });

  it("prints one JSON object per instruction with --json", async () => {
    const r = await run(["cmdq", "disasm", "--json", "p.hex"], { "p.hex": WORDS });
    const records = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(5);
    expect(records[2]).toMatchObject({ op: "WRITE", subsys: 1, offset: 0xc040, address: "0x1400c040", region: "DISP_OVL0" });
  });

  it("changes names with --soc", async () => {
    const r = await run(["cmdq", "disasm", "--soc", "mt8183", "p.hex"], { "p.hex": WORDS });
    expect(r.stdout).toContain("clear_event 53\n");
  });

  it("notes when it read halves high first", async () => {
    const r = await run(["cmdq", "disasm", "-"], {}, "40000000 00000001\n10000000 00000008\n");
    expect(r.stdout).toBe("  eoc\n  jump +8\n");
    expect(r.stderr).toContain("high-first");
  });

  it("rejects a malformed dump with exit 2 and the position", async () => {
    const r = await run(["cmdq", "disasm", "d.txt"], { "d.txt": "00000001 40000000\nhello\n" });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("d.txt:2:1: error: expected a 32-bit half (8 hex digits) or a 64-bit word (16 hex digits), found 'hello'\n");
  });

  it("rejects a raw file that is not whole instructions", async () => {
    const r = await run(["cmdq", "disasm", "r.bin"], { "r.bin": new Uint8Array(12) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("r.bin: error: raw input is 12 bytes");
  });
});

describe("vplat cmdq lint", () => {
  it("exits 0 on a clean packet, with a summary", async () => {
    const r = await run(["cmdq", "lint", "p.asm"], { "p.asm": PACKET });
    expect(r).toMatchObject({ code: 0, stdout: "0 error(s), 0 warning(s) in 5 instruction(s)\n" });
  });

  it("exits 1 on an error, with positions in the assembly source", async () => {
    const r = await run(["cmdq", "lint", "p.asm"], { "p.asm": "  write subsys9 + 0x0010, 1\n  clear_event 53\n" });
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")).toEqual([
      expect.stringMatching(/^p\.asm:1:3: error: WRITE to subsys9 \+ 0x0010: .* \[unknown-subsys\]$/),
      expect.stringMatching(/^p\.asm:2:3: error: no EOC: .* \[no-eoc\]$/),
      expect.stringMatching(/^p\.asm:2:3: warning: clears MUTEX0_STREAM_EOF .* \[clear-without-wait\]$/),
      "2 error(s), 1 warning(s) in 2 instruction(s)",
      "",
    ]);
  });

  it("exits 0 on warnings only", async () => {
    const r = await run(["cmdq", "lint", "-"], {}, "  eoc\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("warning:");
  });

  it("lints hex dumps with byte offsets", async () => {
    const r = await run(["cmdq", "lint", "d.hex"], { "d.hex": "0x05000000_00000000\n" + WORDS });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("d.hex: +0x0000: error: 0x05000000_00000000 is not a GCE instruction");
  });

  it("checks absolute jumps against --base", async () => {
    const source = "  jump_abs 0x50000000\n  eoc\n  jump +8\n";
    expect((await run(["cmdq", "lint", "-"], {}, source)).code).toBe(0);
    expect((await run(["cmdq", "lint", "--base", "0x40000000", "-"], {}, source)).code).toBe(1);
  });

  it("reports assembly errors like asm does, with exit 2", async () => {
    const r = await run(["cmdq", "lint", "--input", "asm", "-"], {}, "frob\n");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^<stdin>:1:1: error: expected a mnemonic/);
  });
});

describe("vplat cmdq command line", () => {
  it.each([
    [["cmdq"], "expected asm, disasm or lint"],
    [["cmdq", "frob", "x"], "unknown subcommand 'frob'"],
    [["cmdq", "disasm"], "expected one FILE"],
    [["cmdq", "disasm", "a", "b"], "expected one FILE"],
    [["cmdq", "disasm", "--soc", "mt1234", "x"], "unknown --soc 'mt1234'"],
    [["cmdq", "disasm", "--halves", "middle", "x"], "unknown --halves 'middle'"],
    [["cmdq", "asm", "--json", "x"], "--json does not apply here"],
    [["cmdq", "lint", "--base", "nowhere", "x"], "--base 'nowhere' is not an address"],
    [["cmdq", "disasm", "--frob", "x"], "Unknown option '--frob'"],
  ])("%j is a usage error (exit 2)", async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it("names a missing file and exits 2", async () => {
    const r = await run(["cmdq", "disasm", "missing.bin"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("vplat cmdq: cannot read 'missing.bin': no such file\n");
  });

  it("prints the usage with every lint rule for --help", async () => {
    const r = await run(["cmdq", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("usage: vplat cmdq asm FILE|-");
    expect(r.stdout).toContain("loop-no-yield");
  });

  it("is listed by vplat --help", async () => {
    expect((await run(["--help"])).stdout).toMatch(/cmdq\s+assemble, disassemble and lint MediaTek GCE command buffers/);
  });
});

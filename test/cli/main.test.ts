import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { VERSION } from "../../src/version.js";
import { fakeIo } from "../support/fake-io.js";

describe("vplat command line", () => {
  it("prints an overview listing every command for --help, and exits 2 with it when given nothing", async () => {
    const io = fakeIo();
    expect(await main(["--help"], io)).toBe(0);
    expect(io.out()).toMatch(/^usage: vplat/);
    expect(io.out()).toMatch(/\n {2}demo +run both seed systems/);
    const bare = fakeIo();
    expect(await main([], bare)).toBe(2);
    expect(bare.out()).toMatch(/^usage: vplat/);
  });

  it("prints the version from package.json", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const io = fakeIo();
    expect(await main(["--version"], io)).toBe(0);
    expect(io.out()).toBe(`vplat ${pkg.version}\n`);
  });

  it("refuses an unknown command with exit 2 and a hint", async () => {
    const io = fakeIo();
    expect(await main(["frobnicate"], io)).toBe(2);
    expect(io.err()).toBe("vplat: 'frobnicate' is not a command. See 'vplat --help'.\n");
  });

  it("reports an unknown option of a command as a usage error naming it", async () => {
    const io = fakeIo();
    expect(await main(["demo", "--bogus"], io)).toBe(2);
    expect(io.err()).toMatch(/^vplat demo: .*'--bogus'/);
    expect(io.err()).toMatch(/See 'vplat demo --help'/);
  });

  it("prints a command's usage for COMMAND --help", async () => {
    const io = fakeIo();
    expect(await main(["demo", "--help"], io)).toBe(0);
    expect(io.out()).toMatch(/^usage: vplat demo/);
  });
});

describe("vplat demo", () => {
  it("runs both seed systems, reproduces the lost-tick race, and names the traces it wrote", async () => {
    const io = fakeIo();
    expect(await main(["demo", "--out", "/tmp/d"], io)).toBe(0);
    const out = io.out();
    // 60 Hz for 1 s; 200 writes and one WFE + one clear per frame packet (seed 000's DRM flow).
    expect(out).toMatch(/flipped 60: 60 with every write inside vblank, 0 late, 0 failed/);
    expect(out).toMatch(/\(MASK \d+, WRITE 12000, JUMP 60, WFE 120, EOC 60\)/);
    // Spec §7 numbers for the fixed driver at 69 841 279 fs.
    expect(out).toContain("HPET self-test passed; per-CPU devices on IRQs 21, 22; mult 61496111 shift 32, min_delta 13410 ns");
    expect(out).toContain("CPU1 ticked 250 times in the second after the SMI (250 expected)");
    // The wrap: 2^32 HPET ticks (299.97 s) from the counter's start at 0.1 s, less the 0.6 s it had run.
    expect(out).toMatch(/CPU1 was silent for 299\.4\d+ s/);
    const trace = JSON.parse(String(io.files.get("/tmp/d-x86.perfetto.json"))) as { traceEvents: unknown[] };
    expect(trace.traceEvents.length).toBeGreaterThan(1000);
    expect(JSON.parse(String(io.files.get("/tmp/d-mt8173.perfetto.json")))).toHaveProperty("traceEvents");
    expect(String(io.files.get("/tmp/d-x86.vcd"))).toContain("$var wire 1");
  });

  it("writes byte-identical files on two runs", async () => {
    const run = async () => {
      const io = fakeIo();
      await main(["demo", "--out", "x"], io);
      return [...io.files.entries()];
    };
    expect(await run()).toEqual(await run());
  });
});

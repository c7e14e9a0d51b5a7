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
    expect(io.out()).toMatch(/\n {2}demo +run a guided tour/);
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
  it("runs ten simulated seconds, says what happened and names the traces it wrote", async () => {
    const io = fakeIo();
    expect(await main(["demo", "--out", "/tmp/d"], io)).toBe(0);
    const out = io.out();
    // 36 000 s / 69 841 279 fs, by hand: floor(3.6e19 / 69841279).
    expect(out).toContain("reads 515454477859 ticks after 10 h");
    expect(out).toMatch(/tick timer +100 Hz: 1000 ticks/);
    expect(out).toMatch(/tick timer 1000 Hz: 10000 ticks/);
    // 100 ms at 14.318 MHz: floor(1e20 / 69841279 fs) = 1431817 ticks.
    expect(out).toContain("counter read 1431817, 2863635");
    expect(out).toContain("waiter-1 (timeout 300 ms) timed out, waiter-2 (timeout 900 ms) completed");
    expect(out).toContain("bus errors: 1");
    expect(out).toContain("trace: /tmp/d.perfetto.json");
    const trace = JSON.parse(String(io.files.get("/tmp/d.perfetto.json"))) as { traceEvents: unknown[] };
    expect(trace.traceEvents.length).toBeGreaterThan(10_000);
    expect(String(io.files.get("/tmp/d.vcd"))).toContain("$enddefinitions $end");
  });

  it("writes byte-identical traces on two runs with the same seed, and different ones for another seed", async () => {
    const run = async (seed: string) => {
      const io = fakeIo();
      await main(["demo", "--out", "x", "--seed", seed], io);
      return [io.files.get("x.perfetto.json"), io.files.get("x.vcd")];
    };
    const [a, b, c] = [await run("5"), await run("5"), await run("6")];
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(c[0]);
  });

  it("refuses a bad seed", async () => {
    const io = fakeIo();
    expect(await main(["demo", "--seed=-3"], io)).toBe(2);
    expect(io.err()).toContain("--seed must be a non-negative integer, got '-3'");
  });
});

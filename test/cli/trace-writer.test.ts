/**
 * `vplat run --trace` as the installed command runs it: the trace is written by a worker thread
 * (src/cli/trace-writer.ts), which needs the compiled JavaScript (`npm test` builds it first).
 * The files must be the same bytes as the same run written on the simulation's thread.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { fakeIo } from "../support/fake-io.js";

const CLI = join(import.meta.dirname, "../../dist/cli/main.js");
const WORKER = join(import.meta.dirname, "../../dist/cli/trace-writer-worker.js");
const SOURCES = ["../../src/cli/trace-writer.ts", "../../src/cli/trace-writer-worker.ts", "../../src/sim/sinks/relay.ts"].map((p) => join(import.meta.dirname, p));

const SCENARIO = "board: {name: x86-pc, cpus: 2}\nkernel: {HZ: 1000, tickMode: oneshot}\nduration: 300ms\n";

let dir = "";

beforeAll(() => {
  const built = existsSync(WORKER) ? statSync(WORKER).mtimeMs : 0;
  if (SOURCES.some((s) => statSync(s).mtimeMs > built)) throw new Error("dist/ is older than src/: run `npm run build` (npm test does)");
  dir = mkdtempSync(join(tmpdir(), "vplat-trace-writer-"));
  writeFileSync(join(dir, "s.yaml"), SCENARIO);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function vplat(args: string[]) {
  return spawnSync(process.execPath, [CLI, "run", ...args], { cwd: dir, encoding: "utf8" });
}

/** The same run in-process, where the Io has no threads: the trace is written on the simulation's thread. */
async function inThread(trace: string): Promise<Buffer> {
  const io = fakeIo({ files: { "s.yaml": SCENARIO } });
  expect(await main(["run", "s.yaml", "--trace", trace], io)).toBe(0);
  const f = io.files.get(trace);
  return Buffer.from(typeof f === "string" ? new TextEncoder().encode(f) : (f ?? new Uint8Array()));
}

describe("vplat run --trace, written by a thread", () => {
  for (const file of ["t.pftrace", "t.json", "t.jsonl", "t.vcd"]) {
    it(`writes ${file} byte for byte as the simulation's thread does`, async () => {
      const r = vplat(["s.yaml", "--trace", file]);
      expect(r.stderr).toMatch(new RegExp(`^trace: ${file.replace(".", "\\.")} \\(`));
      expect(r.status).toBe(0);
      const threaded = readFileSync(join(dir, file));
      expect(threaded.length).toBeGreaterThan(1000);
      expect(threaded.equals(await inThread(file))).toBe(true);
    });
  }

  it("reports a trace it cannot create, and runs nothing", () => {
    const r = vplat(["s.yaml", "--trace", "no/such/dir/t.pftrace"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^vplat run: cannot write trace 'no\/such\/dir\/t\.pftrace': ENOENT.*; nothing was run\n$/);
  });

  it("stops the thread and removes the partial trace on Ctrl-C", async () => {
    writeFileSync(join(dir, "long.yaml"), "board: x86-pc\nduration: 1h\n");
    const child = spawn(process.execPath, [CLI, "run", "long.yaml", "--trace", "long.pftrace"], { cwd: dir });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // Interrupt once the run has produced some trace.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(join(dir, "long.pftrace.partial")) && statSync(join(dir, "long.pftrace.partial")).size > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/vplat run: interrupted at .* of 1h; trace removed\n$/);
    expect(readdirSync(dir).filter((f) => f.startsWith("long.pftrace"))).toEqual([]);
  });
});

/**
 * The layering of DESIGN.md, enforced: every import in src/ is resolved and checked against the
 * allowed directions, and Node-only modules stay in the CLI so the library runs in a browser.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(new URL(import.meta.url).pathname), "../src");

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  sim: ["sim"],
  hw: ["sim", "hw"],
  linux: ["sim", "linux"],
  platform: ["sim", "hw", "linux", "platform"],
  tools: ["sim", "hw", "linux", "platform", "tools"],
  cli: ["sim", "hw", "linux", "platform", "tools", "cli", "(root)"],
  "(root)": ["sim", "hw", "linux", "platform", "tools", "(root)"],
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function layerOf(file: string): string {
  const rel = relative(SRC, file).split(sep);
  return rel.length === 1 ? "(root)" : rel[0]!;
}

function importsOf(source: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;
  for (const m of source.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

const files = walk(SRC);

describe("architecture", () => {
  it("finds the source tree", () => {
    expect(files.some((f) => f.endsWith(join("sim", "clock.ts")))).toBe(true);
  });

  it("imports only downwards: sim <- hw, sim <- linux, both <- platform <- tools/cli", () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const spec of importsOf(readFileSync(file, "utf8"))) {
        if (!spec.startsWith(".")) continue;
        const to = layerOf(resolve(dirname(file), spec));
        if (!ALLOWED[from]!.includes(to)) violations.push(`${relative(SRC, file)} (${from}) imports ${spec} (${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("keeps Node-only modules in the CLI, so the library works in a browser", () => {
    const violations: string[] = [];
    for (const file of files) {
      if (layerOf(file) === "cli") continue;
      for (const spec of importsOf(readFileSync(file, "utf8"))) {
        if (spec.startsWith("node:") || ["fs", "path", "os", "child_process", "util", "worker_threads"].includes(spec)) {
          violations.push(`${relative(SRC, file)} imports ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it("keeps host time and host randomness out of the simulation", () => {
    const banned = /\b(Date\.now|new Date\(|Math\.random|setTimeout|setInterval|setImmediate|performance\.now|process\.hrtime)\b/;
    const violations = files
      .filter((f) => ["sim", "hw", "linux", "platform"].includes(layerOf(f)))
      .filter((f) => banned.test(readFileSync(f, "utf8").replace(/\/\/.*|\/\*[\s\S]*?\*\//g, "")))
      .map((f) => relative(SRC, f));
    expect(violations).toEqual([]);
  });

  it("detects a violation when one is planted (the check can fail)", () => {
    const planted = `import { Hpet } from "../hw/timer/hpet.js";\nexport type { X } from "../platform/x.js";\nconst m = await import("../cli/main.js");`;
    expect(importsOf(planted)).toEqual(["../hw/timer/hpet.js", "../platform/x.js", "../cli/main.js"]);
    const to = layerOf(resolve(join(SRC, "sim"), "../hw/timer/hpet.js"));
    expect(ALLOWED.sim!.includes(to)).toBe(false);
  });
});

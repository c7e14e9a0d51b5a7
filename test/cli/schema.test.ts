import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { fakeIo } from "../support/fake-io.js";

describe("vplat schema", () => {
  it("prints the scenario JSON Schema (draft 2020-12) with the fields of a scenario", async () => {
    const io = fakeIo();
    expect(await main(["schema"], io)).toBe(0);
    const schema = JSON.parse(io.out()) as { $schema: string; properties: Record<string, { default?: unknown }>; additionalProperties: boolean };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(Object.keys(schema.properties)).toEqual(["board", "kernel", "workload", "faults", "duration", "seed", "outputs"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.duration?.default).toBe("1s");
    expect(io.err()).toBe("");
  });

  it("writes it to a file with -o, whole", async () => {
    const io = fakeIo();
    expect(await main(["schema", "-o", "scenario.schema.json"], io)).toBe(0);
    expect(io.out()).toBe("");
    expect(io.created).toEqual(["scenario.schema.json.partial"]);
    expect(JSON.parse(String(io.files.get("scenario.schema.json")))).toHaveProperty("$schema");
    expect(io.files.has("scenario.schema.json.partial")).toBe(false);
  });

  it("refuses arguments and an unwritable file with exit 2", async () => {
    const extra = fakeIo();
    expect(await main(["schema", "x"], extra)).toBe(2);
    expect(extra.err()).toMatch(/^vplat schema: unexpected argument 'x'\n/);
    const io = fakeIo({ unwritable: ["no/dir/s.json.partial"] });
    expect(await main(["schema", "-o", "no/dir/s.json"], io)).toBe(2);
    expect(io.err()).toMatch(/^vplat schema: cannot write 'no\/dir\/s\.json': ENOENT/);
    expect([...io.files.keys()]).toEqual([]);
  });
});

/**
 * `vplat qtest`: the protocol server (src/tools/qtest.ts) and the command around it. Replies
 * follow QEMU 7.2's softmmu/qtest.c formats.
 */
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { qtestServerFor, serveQtest } from "../../src/cli/commands/qtest.js";
import { QtestServer } from "../../src/tools/qtest.js";
import { fakeIo } from "../support/fake-io.js";

/** Sends lines one at a time (as a synchronous client does) and returns each one's output. */
function session(server: QtestServer, ...lines: string[]): string[] {
  return lines.map((l) => server.feed(`${l}\n`));
}

describe("qtest server: replies", () => {
  it("answers reads with 16 hex digits, writes and intercepts with OK, clock commands with the time", () => {
    const s = new QtestServer({ profile: "qemu-7.2" });
    expect(session(s, "irq_intercept_in ioapic", "readl 0xfed00000", "readq 0xfed00000", "readb 0xfed00000", "writel 0xfed00010 1", "clock_step 1000", "readl 0xfed000f0", "clock_set 500", "clock_set 2000", "endianness")).toEqual([
      "OK\n",
      "OK 0x000000008086a201\n",
      "OK 0x009896808086a201\n",
      "OK 0x0000000000000000\n",
      "OK\n",
      "OK 1000\n",
      "OK 0x0000000000000064\n",
      "OK 1000\n",
      "OK 2000\n",
      "OK little\n",
    ]);
  });

  it("steps to the next deadline with no argument, and stays put when there is none", () => {
    const s = new QtestServer({ profile: "qemu-7.2" });
    expect(session(s, "clock_step")).toEqual(["OK 0\n"]);
    session(s, "irq_intercept_in ioapic", "writel 0xfed00100 0x504", "writel 0xfed00108 500", "writel 0xfed00010 1");
    expect(session(s, "clock_step", "clock_step", "clock_step -5")).toEqual(["IRQ raise 2\nIRQ lower 2\nOK 5000\n", "OK 5000\n", "OK 5000\n"]);
  });

  it("reports level changes of intercepted I/O APIC inputs only, as they happen", () => {
    const s = new QtestServer({ profile: "qemu-7.2" });
    session(s, "writel 0xfed00100 0x506", "writel 0xfed00108 10", "writel 0xfed00010 1");
    expect(session(s, "clock_step 50")).toEqual(["OK 50\n"]); // not intercepted yet
    session(s, "writel 0xfed00020 1", "writel 0xfed00108 100");
    expect(session(s, "irq_intercept_in /machine/i440fx/ioapic", "clock_step 2000", "writel 0xfed00020 1", "writel 0xfed00020 1")).toEqual([
      "OK\n",
      "IRQ raise 2\nOK 2050\n",
      "IRQ lower 2\nOK\n",
      "OK\n",
    ]);
  });

  it("fails unknown commands and devices as QEMU does, and malformed ones without crashing", () => {
    const s = new QtestServer();
    expect(session(s, "frobnicate 1", "outb 0x80 1", "irq_intercept_in /machine/hpet", "irq_intercept_in", "readl", "readl 0xzz", "writel 0xfed00010", "clock_step 1x", "clock_set", "", " readl 0x0")).toEqual([
      "FAIL Unknown command 'frobnicate'\n",
      "FAIL Unknown command 'outb'\n",
      "FAIL Unknown device\n",
      "FAIL irq_intercept_in: missing QOM path\n",
      "FAIL readl: missing address\n",
      "FAIL readl: invalid address '0xzz'\n",
      "FAIL writel: missing value\n",
      "FAIL clock_step: invalid step '1x'\n",
      "FAIL clock_set: missing time\n",
      "FAIL empty command\n",
      "FAIL Unknown command ''\n",
    ]);
    expect(session(s, "clock_step 9007199254740993")[0]).toMatch(/^FAIL clock: .* beyond vplat's virtual time range/);
  });

  it("parses numbers like strtoull with base 0, ignores extra words and a CR before the newline", () => {
    const s = new QtestServer({ profile: "qemu-7.2" });
    expect(session(s, "writel 037664000020 01", "readl 4275044368 extra", "writeq 0xfed00110 -1", "readq 0xfed00110\r")).toEqual([
      "OK\n",
      "OK 0x0000000000000001\n",
      "OK\n",
      "OK 0xffffffffffffffff\n",
    ]);
  });

  it("processes complete lines only, whatever the chunking", () => {
    const s = new QtestServer();
    expect(s.feed("readl 0xfed0")).toBe("");
    expect(s.feed("0004\nreadl 0xfed00010\nread")).toBe("OK 0x000000000429b17f\nOK 0x0000000000000000\n");
    expect(s.feed("l 0xfed00000\n")).toBe("OK 0x000000008086a201\n");
  });

  it("keeps QEMU's second-intercept rule: the same device again is OK", () => {
    const s = new QtestServer({ machine: "q35" });
    expect(session(s, "irq_intercept_in q35/ioapic", "irq_intercept_in ioapic", "irq_intercept_in /machine/i440fx/ioapic")).toEqual(["OK\n", "OK\n", "FAIL Unknown device\n"]);
  });
});

describe("qtest server: the machine", () => {
  it("applies the profile's 8/16-bit policy: the spec refuses them (the bus floats high), QEMU reads 0", () => {
    expect(session(new QtestServer({ profile: "spec" }), "readw 0xfed00000")).toEqual(["OK 0x000000000000ffff\n"]);
    expect(session(new QtestServer({ profile: "qemu-7.2" }), "readw 0xfed00000")).toEqual(["OK 0x0000000000000000\n"]);
  });

  it("has RAM for FSB writes", () => {
    const s = new QtestServer({ profile: "qemu-7.2", msi: true });
    session(s, "writeq 0xfed00110 0x00001000cafe0001", "writel 0xfed00100 0x4504", "writel 0xfed00108 10", "writel 0xfed00010 1", "clock_step 1000");
    expect(session(s, "readl 0x1000", "readb 0x1002", "readq 0x1000")).toEqual(["OK 0x00000000cafe0001\n", "OK 0x00000000000000fe\n", "OK 0x00000000cafe0001\n"]);
  });

  it("fires a timer that is already due after the reply, as QEMU's main loop does", () => {
    const s = new QtestServer({ profile: "qemu-7.2" });
    // Counter at 0xffffffff: a 32-bit one-shot's wrap interrupt is due at once.
    session(s, "irq_intercept_in ioapic", "writeq 0xfed000f0 0xffffffff", "writel 0xfed00010 1", "writel 0xfed00100 0x504");
    expect(session(s, "writel 0xfed00108 0x10")).toEqual(["OK\nIRQ raise 2\nIRQ lower 2\n"]);
  });

  it("drives IRQ0 with the 8254's reset-state square wave when the PIT is present", () => {
    const s = new QtestServer({ profile: "qemu-7.2", pit: true });
    expect(session(s, "irq_intercept_in ioapic", "clock_step 120000000")).toEqual(["OK\n", "IRQ raise 0\nIRQ lower 0\nIRQ raise 0\nIRQ lower 0\nIRQ raise 0\nOK 120000000\n"]);
    expect(session(s, "writel 0xfed00010 2", "clock_step 120000000", "writel 0xfed00010 0")).toEqual(["IRQ lower 0\nOK\n", "OK 240000000\n", "IRQ raise 0\nOK\n"]);
  });
});

describe("vplat qtest command", () => {
  it("serves a session from a stream of chunks and ends with it", async () => {
    const io = fakeIo();
    const input = (async function* () {
      yield "irq_intercept_in ioapic\nwritel 0xfed00100 0x504\n";
      yield new TextEncoder().encode("writel 0xfed00108 100\nwritel 0xfed00010 1\nclock_step\n");
    })();
    expect(await serveQtest(["--profile", "qemu-7.2", "--machine", "q35", "--timers", "4"], input, io)).toBe(0);
    expect(io.out()).toBe("OK\nOK\nOK\nOK\nIRQ raise 2\nIRQ lower 2\nOK 1000\n");
  });

  it("rejects bad options as usage errors", async () => {
    expect(() => qtestServerFor(["--profile", "bochs"])).toThrow(/--profile must be spec or qemu-7.2/);
    expect(() => qtestServerFor(["--timers", "2"])).toThrow(/--timers must be an integer from 3 to 32/);
    expect(() => qtestServerFor(["--machine", "virt"])).toThrow(/--machine must be pc or q35/);
    const io = fakeIo();
    expect(await main(["qtest", "--profile", "bochs"], io)).toBe(2);
    expect(io.err()).toMatch(/^vplat qtest: --profile must be/);
  });

  it("has a usage text listing the protocol subset", async () => {
    const io = fakeIo();
    expect(await main(["qtest", "--help"], io)).toBe(0);
    expect(io.out()).toMatch(/clock_step \[NS\]/);
    expect(qtestServerFor(["--timers", "5"]).hpet.numTimers).toBe(5);
  });
});

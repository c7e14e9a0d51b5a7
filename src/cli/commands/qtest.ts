/**
 * `vplat qtest`: QEMU's qtest text protocol for the HPET on standard input and output, so one
 * script drives QEMU and vplat alike. Parsing and printing only; the server is src/tools/qtest.ts
 * (docs/hpet.md). Standard input is read as a stream (replies go out as each chunk of input is
 * processed); end of input ends the command.
 */
import { readSync } from "node:fs";
import { isProfileName, type HpetProfileName } from "../../hw/timer/hpet.profiles.js";
import { QtestServer } from "../../tools/qtest.js";
import { parseCommandLine } from "../args.js";
import { ExitCode, UsageError, type Command, type Io } from "../command.js";

const USAGE = `usage: vplat qtest [--machine pc|q35] [--profile spec|qemu-7.2] [--timers N] [--msi] [--pit]

Serves QEMU's qtest protocol on standard input/output for a machine with the HPET at 0xFED00000,
its outputs on the 24 I/O APIC inputs, and 128 MiB of RAM at 0. Ends at end of input.

commands (one per line, replies as QEMU 7.2 gives them):
  readb|readw|readl|readq ADDR           -> OK 0x<16 hex digits>
  writeb|writew|writel|writeq ADDR VALUE -> OK
  clock_step [NS]                        -> OK <ns>   (no NS: to the next deadline)
  clock_set NS                           -> OK <ns>
  irq_intercept_in ioapic                -> OK, then asynchronous 'IRQ raise N' / 'IRQ lower N'
  endianness                             -> OK little
  anything else                          -> FAIL ...

options:
  --machine pc|q35          route capability of the qemu-7.2 profile: pc pin 2, q35 0x00ff0104 (default pc)
  --profile spec|qemu-7.2   HPET behaviour (default spec; see docs/hpet.md)
  --timers N                number of HPET timers, 3-32 (default 3)
  --msi                     FSB capability on every timer (qemu-7.2; QEMU's hpet.msi=on)
  --pit                     the 8254's reset-state output on IRQ0 (QEMU's pit=on)`;

const OPTIONS = {
  machine: { type: "string" },
  profile: { type: "string" },
  timers: { type: "string" },
  msi: { type: "boolean" },
  pit: { type: "boolean" },
} as const;

/** Builds the server from the command line (throws UsageError on a bad one). */
export function qtestServerFor(args: readonly string[]): QtestServer {
  const { values, positionals } = parseCommandLine(args, OPTIONS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const machine = values.machine ?? "pc";
  if (machine !== "pc" && machine !== "q35") throw new UsageError(`--machine must be pc or q35, got '${machine}'`);
  const profile = values.profile ?? "spec";
  if (!isProfileName(profile)) throw new UsageError(`--profile must be spec or qemu-7.2, got '${profile}'`);
  let timers: number | undefined;
  if (values.timers !== undefined) {
    timers = Number(values.timers);
    if (!/^\d+$/.test(values.timers) || timers < 3 || timers > 32) throw new UsageError(`--timers must be an integer from 3 to 32, got '${values.timers}'`);
  }
  return new QtestServer({
    machine,
    profile: profile satisfies HpetProfileName,
    ...(timers === undefined ? {} : { timers }),
    msi: values.msi ?? false,
    pit: values.pit ?? false,
  });
}

/** Feeds every chunk of `input` to the server, writing each chunk's output at once. */
async function pump(server: QtestServer, input: Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>, io: Io): Promise<void> {
  const feed = (chunk: Uint8Array | string): void => {
    if (typeof chunk === "string") {
      const out = server.feed(chunk);
      if (out !== "") io.stdout.write(out);
      return;
    }
    // Bytes in, bytes out: the protocol is ASCII, so no text decoding or encoding on the way.
    const out = server.feedBytes(chunk);
    if (out.length > 0) io.stdout.writeBytes(out);
  };
  // A synchronous source is drained without awaiting: every await costs a trip through the microtask queue.
  if (Symbol.iterator in input) for (const chunk of input) feed(chunk);
  else for await (const chunk of input) feed(chunk);
}

/** Runs a session on `input` until it ends; returns the exit code. */
export async function serveQtest(args: readonly string[], input: Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>, io: Io): Promise<number> {
  await pump(qtestServerFor(args), input, io);
  return ExitCode.ok;
}

/**
 * Standard input read with blocking reads: a client that waits for each reply (a qtest
 * harness) gets it several times sooner than through a stream's event-loop round trips. Stops
 * early, setting `wouldBlock`, if the descriptor turns out to be non-blocking.
 */
function* blockingStdin(state: { wouldBlock: boolean }): Generator<Uint8Array> {
  const buf = Buffer.alloc(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        state.wouldBlock = true;
        return;
      }
      if (code === "EOF") return;
      throw err;
    }
    if (n === 0) return;
    yield buf.subarray(0, n);
  }
}

export const qtest: Command = {
  name: "qtest",
  summary: "serve QEMU's qtest protocol for the HPET on stdin/stdout",
  usage: USAGE,
  // Standard input is a stream here (Io.readStdin reads it whole), so the process's own is used.
  async run(args, io) {
    const server = qtestServerFor(args);
    const state = { wouldBlock: false };
    await pump(server, blockingStdin(state), io);
    if (state.wouldBlock) await pump(server, process.stdin, io);
    return ExitCode.ok;
  },
};

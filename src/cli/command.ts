/**
 * The contract between the `vplat` dispatcher and its subcommands.
 *
 * A command gets its arguments (after its own name) and an `Io`, and returns the process exit
 * code. It never calls `process.exit` and never prints except through `io`, so every command
 * can be run in-process by the tests.
 */

import type { TraceSink } from "../sim/trace.js";
import type { TraceFormat } from "../tools/scenario/index.js";

/** A trace file being written by a thread of its own (see trace-writer.ts). */
export interface TraceWriter {
  /** What the simulation attaches; its `close` returns once the file is complete. */
  readonly sink: TraceSink;
  /** Stops the thread (giving up on an unfinished trace) and closes the file. */
  close(): void;
}

/** Where a command reads and writes. `main.ts` binds these to the process; tests bind them to buffers. */
export interface Io {
  readonly stdout: Output;
  readonly stderr: Output;
  /** Reads all of standard input (for `-` file arguments). */
  readStdin(): Promise<Uint8Array>;
  /** Reads a whole file; rejects with a Node-style error (`code: 'ENOENT'`…) when it cannot. */
  readFile(path: string): Promise<Uint8Array>;
  /** Opens a file for streaming output; the returned writer must be closed. */
  createFile(path: string): Output & { close(): void };
  /**
   * Creates the trace file `path` and starts a thread that writes `format` into it, where the
   * host has threads (the CLI's Node process). Without it traces are written on the
   * simulation's thread, through `createFile`.
   */
  startTraceWriter?(path: string, format: TraceFormat, title: string): TraceWriter;
  /** Renames a file, replacing `to` (how a finished output takes its final name). */
  renameFile(from: string, to: string): void;
  /** Removes a file; a file that is not there is not an error. */
  removeFile(path: string): void;
  /**
   * Calls `handler` when the user interrupts the process (Ctrl-C) instead of ending it, until
   * the returned function is called. The handler runs between the command's awaits.
   */
  onInterrupt(handler: () => void): () => void;
  /** Lets pending host events (an interrupt) be handled; long commands await it between chunks of work. */
  yieldToHost(): Promise<void>;
  /** Monotonic wall time in milliseconds, for progress and speed reports only (never fed to the simulation). */
  wallMs(): number;
}

export interface Output {
  write(text: string): void;
  /** Binary output (e.g. an assembled command buffer). */
  writeBytes(bytes: Uint8Array): void;
  readonly isTTY: boolean;
  /** Width of the terminal in columns, 0 when not a terminal. */
  readonly columns: number;
}

/** Exit codes shared by every subcommand (documented in the README). */
export const ExitCode = {
  ok: 0,
  /** The command ran and found a problem: lint errors, a failed self-test, a simulation error. */
  failure: 1,
  /** The command line or an input file was malformed; nothing was run. */
  usage: 2,
  /** The user interrupted the command (Ctrl-C, SIGINT): 128 + 2, as shells report it. */
  interrupted: 130,
} as const;

export interface Command {
  readonly name: string;
  /** One line for `vplat --help`. */
  readonly summary: string;
  /** The full `vplat NAME --help` text. */
  readonly usage: string;
  run(args: readonly string[], io: Io): Promise<number>;
}

/** A command-line mistake: printed with the command's usage hint and exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

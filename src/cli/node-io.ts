import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Io, Output } from "./command.js";
import { startTraceWriter } from "./trace-writer.js";

/** Writes to an open file descriptor, synchronously (also from the trace writer thread). */
export function fdOutput(fd: number, isTTY: boolean, columns = () => 0): Output {
  return {
    isTTY,
    get columns() {
      return isTTY ? columns() : 0;
    },
    // Synchronous writes keep the output ordered and the memory bounded, whatever the consumer's speed.
    write(text: string) {
      writeAll(fd, Buffer.from(text, "utf8"));
    },
    writeBytes(bytes: Uint8Array) {
      writeAll(fd, bytes);
    },
  };
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(fd, bytes, done);
    } catch (err) {
      // A non-blocking pipe that is momentarily full: try again; anything else is real.
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
    }
  }
}

/** The real process: file descriptors 1 and 2, the file system, and a monotonic wall clock. */
export function nodeIo(): Io {
  return {
    stdout: fdOutput(1, process.stdout.isTTY === true, () => process.stdout.columns),
    stderr: fdOutput(2, process.stderr.isTTY === true, () => process.stderr.columns),
    readStdin: async () => readFileSync(0),
    readFile: async (path) => readFile(path),
    createFile(path) {
      const fd = openSync(path, "w");
      return { ...fdOutput(fd, false), close: () => closeSync(fd) };
    },
    startTraceWriter,
    renameFile: (from, to) => renameSync(from, to),
    removeFile: (path) => rmSync(path, { force: true }),
    onInterrupt(handler) {
      process.on("SIGINT", handler);
      return () => void process.off("SIGINT", handler);
    },
    yieldToHost: () => new Promise<void>((resolve) => setImmediate(resolve)),
    wallMs: () => performance.now(),
  };
}

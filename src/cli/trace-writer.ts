/**
 * Trace files written by a thread of their own. The simulation hands each event to a RelaySink
 * (src/sim/sinks/relay.ts), which copies it into a shared buffer; a worker thread reads the
 * buffer, formats the events and writes the file. The file is the same, byte for byte, as one
 * written on the simulation's thread, and the simulation no longer waits for the formatting
 * (docs/traces.md, "Writer thread").
 */
import { closeSync, openSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { RELAY_SLOTS, RelaySink, relayBufferBytes, waitForReader } from "../sim/sinks/relay.js";
import type { TraceFormat } from "../tools/scenario/model.js";
import type { TraceWriter } from "./command.js";
import type { TraceWriterData } from "./trace-writer-worker.js";

/** How long the thread may take to start (load its modules), in ms of host time. */
const START_MS = 30_000;
/** How long an aborted trace waits for the thread to stop writing before the file is closed. */
const ABORT_MS = 5_000;

/** Opens `path` and starts the thread that writes the trace into it. */
export function startTraceWriter(path: string, format: TraceFormat, title: string): TraceWriter {
  const fd = openSync(path, "w");
  const buffer = new SharedArrayBuffer(relayBufferBytes(RELAY_SLOTS));
  const data: TraceWriterData = { buffer, fd, format, title };
  const worker = new Worker(new URL("./trace-writer-worker.js", import.meta.url), { workerData: data });
  // An exit or error is reported through the buffer; the thread must not keep the process alive.
  worker.unref();
  worker.on("error", () => {});
  try {
    waitForReader(buffer, START_MS);
  } catch (err) {
    void worker.terminate();
    closeSync(fd);
    throw err;
  }
  const sink = new RelaySink(buffer);
  let open = true;
  return {
    sink,
    close() {
      if (!open) return;
      open = false;
      // The file descriptor must outlive the thread's last write: its number may be reused.
      sink.abort(ABORT_MS);
      void worker.terminate();
      closeSync(fd);
    },
  };
}

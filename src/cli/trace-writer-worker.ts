/**
 * The writer thread's entry point: reads the relay buffer the simulation fills and writes the
 * trace file in its format (see trace-writer.ts). Any failure, even in building the sink, is
 * recorded in the buffer for the simulation thread to report.
 */
import { workerData } from "node:worker_threads";
import { RelayReader, relayFail } from "../sim/sinks/relay.js";
import { traceSink } from "../tools/scenario/run.js";
import type { TraceFormat } from "../tools/scenario/model.js";
import { fdOutput } from "./node-io.js";

/** What trace-writer.ts hands the thread. */
export interface TraceWriterData {
  readonly buffer: SharedArrayBuffer;
  readonly fd: number;
  readonly format: TraceFormat;
  readonly title: string;
}

const data = workerData as TraceWriterData;
try {
  new RelayReader(data.buffer, traceSink(data.format, fdOutput(data.fd, false), data.title)).run();
} catch (err) {
  // run() has recorded its own failures; this one may come before it (building the sink).
  relayFail(data.buffer, err instanceof Error ? err.message : String(err));
}

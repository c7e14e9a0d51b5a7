import type { TraceArg, TraceEvent, TraceSink } from "../trace.js";
import { jsonArg } from "./jsonl.js";
import { ChunkedWriter, type TextOutput } from "./writer.js";

/** Microseconds with exactly three decimals, from integer nanoseconds (no float rounding in the file). */
function micros(t: number): string {
  const whole = Math.floor(t / 1000);
  return `${whole}.${(t - whole * 1000).toString().padStart(3, "0")}`;
}

/**
 * Chrome trace-event JSON (the format ui.perfetto.dev and chrome://tracing open), streamed as it
 * is recorded. Each category is a process and each track value (a CPU, a timer, a GCE thread) a
 * thread in it, named by metadata events the first time it appears; ids are assigned in order
 * of first appearance, so the same run always writes the same file.
 */
export class PerfettoSink implements TraceSink {
  private readonly out: ChunkedWriter;
  private readonly pids = new Map<string, number>();
  private readonly tids = new Map<string, number>();
  private first = true;

  constructor(output: TextOutput) {
    this.out = new ChunkedWriter(output);
    this.out.write(`{"displayTimeUnit":"ns","traceEvents":[\n`);
  }

  record(t: number, ev: TraceEvent, args: readonly TraceArg[]): void {
    const pid = this.pid(ev.category);
    const trackValue = ev.track >= 0 ? args[ev.track] : undefined;
    const trackName = trackValue === undefined ? ev.category : String(trackValue);
    const tid = this.tid(pid, trackName);
    const ts = micros(t);
    switch (ev.kind) {
      case "instant":
        this.emit(`{"name":${JSON.stringify(ev.name)},"ph":"i","s":"t","ts":${ts},"pid":${pid},"tid":${tid},"args":${argsObject(ev, args)}}`);
        return;
      case "begin":
        this.emit(`{"name":${JSON.stringify(ev.name)},"ph":"B","ts":${ts},"pid":${pid},"tid":${tid},"args":${argsObject(ev, args)}}`);
        return;
      case "end":
        this.emit(`{"ph":"E","ts":${ts},"pid":${pid},"tid":${tid},"args":${argsObject(ev, args)}}`);
        return;
      case "counter":
      case "signal": {
        const value = args[args.length - 1];
        const name = trackValue === undefined ? ev.name : `${trackName} ${ev.name}`;
        this.emit(`{"name":${JSON.stringify(name)},"ph":"C","ts":${ts},"pid":${pid},"args":{"value":${value === undefined ? 0 : jsonArg(value)}}}`);
        return;
      }
    }
  }

  close(): void {
    this.out.write(`\n]}\n`);
    this.out.flush();
  }

  private emit(json: string): void {
    this.out.write(this.first ? json : `,\n${json}`);
    this.first = false;
  }

  private pid(category: string): number {
    let pid = this.pids.get(category);
    if (pid === undefined) {
      pid = this.pids.size + 1;
      this.pids.set(category, pid);
      this.emit(`{"name":"process_name","ph":"M","pid":${pid},"tid":0,"args":{"name":${JSON.stringify(category)}}}`);
    }
    return pid;
  }

  private tid(pid: number, track: string): number {
    const key = `${pid}/${track}`;
    let tid = this.tids.get(key);
    if (tid === undefined) {
      tid = this.tids.size + 1;
      this.tids.set(key, tid);
      this.emit(`{"name":"thread_name","ph":"M","pid":${pid},"tid":${tid},"args":{"name":${JSON.stringify(track)}}}`);
    }
    return tid;
  }
}

function argsObject(ev: TraceEvent, args: readonly TraceArg[]): string {
  let s = "{";
  for (let i = 0; i < args.length; i++) {
    if (i > 0) s += ",";
    s += `${JSON.stringify(ev.args[i]?.name ?? `arg${i}`)}:${jsonArg(args[i]!)}`;
  }
  return `${s}}`;
}

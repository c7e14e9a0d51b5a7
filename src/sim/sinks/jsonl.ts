import type { TraceArg, TraceEvent, TraceSink } from "../trace.js";
import { ChunkedWriter, type TextOutput } from "./writer.js";

/** JSON text for an argument: numbers stay numbers; 64-bit values become hex strings (JSON numbers lose bits past 2^53). */
export function jsonArg(value: TraceArg): string {
  return typeof value === "bigint" ? `"0x${value.toString(16)}"` : JSON.stringify(value);
}

/**
 * One JSON object per line, for scripts (`jq`, pandas):
 * `{"t":1000,"cat":"hpet","ev":"hpet_ram_write","addr":16,"val":1}`; `t` is in nanoseconds.
 */
export class JsonLinesSink implements TraceSink {
  private readonly out: ChunkedWriter;

  constructor(output: TextOutput) {
    this.out = new ChunkedWriter(output);
  }

  record(t: number, ev: TraceEvent, args: readonly TraceArg[]): void {
    let line = `{"t":${t},"cat":${JSON.stringify(ev.category)},"ev":${JSON.stringify(ev.name)}`;
    for (let i = 0; i < args.length; i++) line += `,${JSON.stringify(ev.args[i]?.name ?? `arg${i}`)}:${jsonArg(args[i]!)}`;
    this.out.write(`${line}}\n`);
  }

  close(): void {
    this.out.flush();
  }
}

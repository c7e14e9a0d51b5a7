import type { Io } from "../../src/cli/command.js";

/** An in-memory Io: captured stdout/stderr, a virtual file system, a given stdin. */
export interface FakeIo extends Io {
  out(): string;
  err(): string;
  readonly files: Map<string, string | Uint8Array>;
  /** Every path createFile opened, in order (also the ones removed since). */
  readonly created: string[];
  /** Simulates Ctrl-C: calls the registered interrupt handlers. */
  interrupt(): void;
}

export interface FakeIoOptions {
  stdin?: string | Uint8Array;
  files?: Record<string, string | Uint8Array>;
  /** Both stdout and stderr are terminals (default false). */
  tty?: boolean;
  /** Only stderr is a terminal (stdout piped). */
  stderrTty?: boolean;
  /** Terminal width when a stream is a terminal (default 80). */
  columns?: number;
  /** wallMs() advances by this much at each call (default 0: wall time stands still). */
  wallStepMs?: number;
  /** Paths createFile refuses, as a missing directory would (ENOENT). */
  unwritable?: readonly string[];
  /** Called by yieldToHost(), e.g. to interrupt a run in the middle. */
  onYield?: (io: FakeIo) => void;
}

/**
 * The fake file system: chunks are kept as written and joined when a file is read, so a long
 * trace costs no quadratic copying. A file written as bytes reads back as text when it is UTF-8
 * without NUL bytes (traces), as bytes otherwise (command buffers).
 */
class FileStore extends Map<string, string | Uint8Array> {
  private readonly pending = new Map<string, Array<string | Uint8Array>>();

  append(path: string, chunk: string | Uint8Array): void {
    let chunks = this.pending.get(path);
    if (chunks === undefined) this.pending.set(path, (chunks = [super.get(path) ?? ""]));
    // Writers reuse their buffer once the call returns: keep a copy.
    chunks.push(typeof chunk === "string" ? chunk : chunk.slice());
  }

  private settle(): void {
    for (const [path, chunks] of this.pending) super.set(path, join(chunks));
    this.pending.clear();
  }

  override get(path: string): string | Uint8Array | undefined {
    this.settle();
    return super.get(path);
  }

  override set(path: string, value: string | Uint8Array): this {
    this.pending.delete(path);
    return super.set(path, value);
  }

  override delete(path: string): boolean {
    this.pending.delete(path);
    return super.delete(path);
  }

  override entries(): MapIterator<[string, string | Uint8Array]> {
    this.settle();
    return super.entries();
  }

  override values(): MapIterator<string | Uint8Array> {
    this.settle();
    return super.values();
  }

  override [Symbol.iterator](): MapIterator<[string, string | Uint8Array]> {
    return this.entries();
  }
}

function join(chunks: ReadonlyArray<string | Uint8Array>): string | Uint8Array {
  if (chunks.every((c) => typeof c === "string")) return chunks.join("");
  const parts = chunks.map((c) => (typeof c === "string" ? new TextEncoder().encode(c) : c));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  if (out.includes(0)) return out;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(out);
  } catch {
    return out;
  }
}

export function fakeIo(options: FakeIoOptions = {}): FakeIo {
  let out = "";
  let err = "";
  let wall = 0;
  const files = new FileStore();
  for (const [path, content] of Object.entries(options.files ?? {})) files.set(path, content);
  const created: string[] = [];
  const handlers = new Set<() => void>();
  const bytes = (x: string | Uint8Array) => (typeof x === "string" ? new TextEncoder().encode(x) : x);
  const decoder = new TextDecoder();
  const append = (path: string, chunk: string | Uint8Array) => files.append(path, chunk);
  const stdoutTty = options.tty ?? false;
  const stderrTty = options.tty ?? options.stderrTty ?? false;
  const columns = options.columns ?? 80;
  const enoent = (path: string) => Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
  const io: FakeIo = {
    files,
    created,
    out: () => out,
    err: () => err,
    interrupt: () => handlers.forEach((h) => h()),
    stdout: { isTTY: stdoutTty, columns: stdoutTty ? columns : 0, write: (s) => void (out += s), writeBytes: (b) => void (out += decoder.decode(b)) },
    stderr: { isTTY: stderrTty, columns: stderrTty ? columns : 0, write: (s) => void (err += s), writeBytes: (b) => void (err += decoder.decode(b)) },
    readStdin: async () => bytes(options.stdin ?? ""),
    async readFile(path) {
      const f = files.get(path);
      if (f === undefined) throw enoent(path);
      return bytes(f);
    },
    createFile(path) {
      if (options.unwritable?.includes(path)) throw enoent(path);
      files.set(path, "");
      created.push(path);
      return { isTTY: false, columns: 0, write: (s: string) => append(path, s), writeBytes: (b: Uint8Array) => append(path, b), close: () => {} };
    },
    renameFile(from, to) {
      const f = files.get(from);
      if (f === undefined) throw enoent(from);
      files.delete(from);
      files.set(to, f);
    },
    removeFile: (path) => void files.delete(path),
    onInterrupt(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    async yieldToHost() {
      options.onYield?.(io);
    },
    wallMs: () => (wall += options.wallStepMs ?? 0),
  };
  return io;
}

import type { Io } from "../../src/cli/command.js";

/** An in-memory Io: captured stdout/stderr, a virtual file system, a given stdin. */
export interface FakeIo extends Io {
  out(): string;
  err(): string;
  readonly files: Map<string, string | Uint8Array>;
}

export function fakeIo(options: { stdin?: string | Uint8Array; files?: Record<string, string | Uint8Array>; tty?: boolean } = {}): FakeIo {
  let out = "";
  let err = "";
  const files = new Map(Object.entries(options.files ?? {}));
  const bytes = (x: string | Uint8Array) => (typeof x === "string" ? new TextEncoder().encode(x) : x);
  const decoder = new TextDecoder();
  const append = (path: string, chunk: string | Uint8Array) => {
    const old = files.get(path) ?? "";
    if (typeof old === "string" && typeof chunk === "string") files.set(path, old + chunk);
    else files.set(path, new Uint8Array([...bytes(old), ...bytes(chunk)]));
  };
  return {
    files,
    out: () => out,
    err: () => err,
    stdout: { isTTY: options.tty ?? false, write: (s) => void (out += s), writeBytes: (b) => void (out += decoder.decode(b)) },
    stderr: { isTTY: options.tty ?? false, write: (s) => void (err += s), writeBytes: (b) => void (err += decoder.decode(b)) },
    readStdin: async () => bytes(options.stdin ?? ""),
    async readFile(path) {
      const f = files.get(path);
      if (f === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: "ENOENT" });
      return bytes(f);
    },
    createFile(path) {
      files.set(path, "");
      return { isTTY: false, write: (s: string) => append(path, s), writeBytes: (b: Uint8Array) => append(path, b), close: () => {} };
    },
    wallMs: () => 0,
  };
}

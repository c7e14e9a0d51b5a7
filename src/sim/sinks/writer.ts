/**
 * Where text sinks write: anything with `write(text)`, such as the CLI's file streams. Sinks
 * batch their output into chunks of `CHUNK` characters, so a long trace streams with bounded
 * memory and without a system call per event.
 */
export interface TextOutput {
  write(text: string): void;
}

const CHUNK = 64 * 1024;

export class ChunkedWriter {
  private parts: string[] = [];
  private length = 0;

  constructor(private readonly out: TextOutput) {}

  write(text: string): void {
    this.parts.push(text);
    this.length += text.length;
    if (this.length >= CHUNK) this.flush();
  }

  flush(): void {
    if (this.length === 0) return;
    this.out.write(this.parts.join(""));
    this.parts = [];
    this.length = 0;
  }
}

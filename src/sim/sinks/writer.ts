/**
 * Where text sinks write, and how they get there with bounded memory.
 *
 * A sink formats each event straight into one fixed buffer of UTF-8 bytes and hands the buffer
 * to its output whenever it fills, so a trace of any length holds at most `CHUNK` bytes and
 * builds no string per event (profiling the streamed x86 run showed string building and
 * flattening costing as much as the formatting itself).
 */

/**
 * A destination for trace text, such as the CLI's file streams. `write` receives the text in
 * chunks of about `CHUNK` bytes; an output that can take bytes as they are (a file) also
 * implements `writeBytes`, which is then used instead and spares decoding.
 */
export interface TextOutput {
  write(text: string): void;
  /** The next chunk as UTF-8 bytes. The array is reused once the call returns: copy what you keep. */
  writeBytes?(bytes: Uint8Array): void;
}

/** Bytes a sink holds before it hands them to its output. */
export const CHUNK = 64 * 1024;

/** Precomputed pieces up to this many bytes are copied by hand rather than by `set` (measured). */
const SHORT = 8;

/** ASCII strings up to this long are stored char by char: `encodeInto` needs a subarray, which is garbage. */
const SHORT_TEXT = 96;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string (for the fixed pieces sinks precompute). */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

const HEX = utf8("0123456789abcdef");
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A byte buffer of `CHUNK` bytes in front of a `TextOutput`. The methods append JSON and text
 * pieces without building strings; the buffer is handed over (and reused) whenever the next
 * piece would not fit.
 */
export class ByteWriter {
  private readonly buf = new Uint8Array(CHUNK);
  private pos = 0;
  /** Bytes handed to the output so far. */
  written = 0;

  constructor(private readonly out: TextOutput) {}

  /** Bytes held, not yet handed to the output. */
  get buffered(): number {
    return this.pos;
  }

  /** Makes room for `n` more bytes (at most `CHUNK`). */
  private room(n: number): void {
    if (this.pos + n > CHUNK) this.flush();
  }

  /** Appends precomputed bytes. */
  bytes(b: Uint8Array): void {
    const n = b.length;
    if (n > CHUNK) {
      this.flush();
      this.hand(b);
      return;
    }
    if (this.pos + n > CHUNK) this.flush();
    const pos = this.pos;
    // A call into `set` costs about as much as copying SHORT bytes one by one (measured).
    if (n <= SHORT) {
      const buf = this.buf;
      for (let i = 0; i < n; i++) buf[pos + i] = b[i]!;
    } else this.buf.set(b, pos);
    this.pos = pos + n;
  }

  /** Appends a string as UTF-8. */
  text(s: string): void {
    const n = s.length;
    if (n * 3 > CHUNK) {
      this.bytes(encoder.encode(s));
      return;
    }
    if (this.pos + n * 3 > CHUNK) this.flush();
    this.put(s);
  }

  /**
   * Appends a string as a JSON string literal. DEL is escaped too: JSON allows it raw, but
   * Perfetto's tokenizer rejects every control character inside a string.
   */
  jsonString(s: string): void {
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) {
        this.text(JSON.stringify(s).replace(/\x7f/g, "\\u007f"));
        return;
      }
    }
    if (n + 2 > CHUNK) {
      this.text(`"${s}"`);
      return;
    }
    if (this.pos + n + 2 > CHUNK) this.flush();
    this.buf[this.pos++] = 0x22;
    this.put(s);
    this.buf[this.pos++] = 0x22;
  }

  /** Encodes `s` at `pos`; the caller made room for it. */
  private put(s: string): void {
    const n = s.length;
    const buf = this.buf;
    let pos = this.pos;
    if (n <= SHORT_TEXT) {
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          this.pos = pos + encoder.encodeInto(s.slice(i), buf.subarray(pos)).written;
          return;
        }
        buf[pos++] = c;
      }
      this.pos = pos;
    } else this.pos = pos + encoder.encodeInto(s, buf.subarray(pos)).written;
  }

  /** Appends a non-negative safe integer in decimal, digits written in place from the right. */
  uint(n: number): void {
    let len = 1;
    for (let p = 10; p <= n; p *= 10) len++;
    if (this.pos + len > CHUNK) this.flush();
    const buf = this.buf;
    let pos = this.pos + len;
    this.pos = pos;
    while (n > 0x7fffffff) {
      const q = Math.floor(n / 10);
      buf[--pos] = 48 + (n - q * 10);
      n = q;
    }
    // Small integers divide in 32-bit arithmetic.
    do {
      const q = (n / 10) | 0;
      buf[--pos] = 48 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  /** Appends a non-negative integer in hexadecimal, without a prefix; bigints past 2^53 go through `toString`. */
  hex(v: bigint): void {
    if (v > MAX_SAFE) {
      this.text(v.toString(16));
      return;
    }
    let n = Number(v);
    let len = 1;
    for (let p = 16; p <= n; p *= 16) len++;
    if (this.pos + len > CHUNK) this.flush();
    const buf = this.buf;
    let pos = this.pos + len;
    this.pos = pos;
    do {
      const q = Math.floor(n / 16);
      buf[--pos] = HEX[n - q * 16]!;
      n = q;
    } while (n > 0);
  }

  /** Appends a number as JSON: integers digit by digit, others as JavaScript prints them, non-finite as `null`. */
  number(n: number): void {
    if (Number.isSafeInteger(n)) {
      if (n < 0) {
        this.room(1);
        this.buf[this.pos++] = 0x2d;
        this.uint(-n);
      } else this.uint(n);
    } else this.text(Number.isFinite(n) ? `${n}` : "null");
  }

  /** Appends integer nanoseconds as microseconds with exactly three decimals (`1234.567`). */
  micros(t: number): void {
    const us = Math.floor(t / 1000);
    const ns = t - us * 1000;
    this.uint(us);
    this.room(4);
    const buf = this.buf;
    let pos = this.pos;
    const h = Math.floor(ns / 100);
    const r = ns - h * 100;
    const te = Math.floor(r / 10);
    buf[pos++] = 0x2e;
    buf[pos++] = 48 + h;
    buf[pos++] = 48 + te;
    buf[pos++] = 48 + (r - te * 10);
    this.pos = pos;
  }

  /** Hands everything held to the output. */
  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.pos = 0;
    this.hand(chunk);
  }

  private hand(chunk: Uint8Array): void {
    this.written += chunk.length;
    if (this.out.writeBytes !== undefined) this.out.writeBytes(chunk);
    else this.out.write(decoder.decode(chunk));
  }
}

/**
 * Byte helpers shared by the readers and writers: a growable byte buffer, big-endian cells, UTF-8
 * (DTS files are UTF-8 text and dtc copies their bytes unchanged) and POSIX-style path joining for
 * /include/ (the library runs in a browser, so no node:path).
 */

/** A byte buffer that grows by doubling, for the DTB writer and DTS property values. */
export class ByteBuf {
  private buf: Uint8Array;
  length = 0;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b & 0xff;
  }

  bytes(b: ArrayLike<number>): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Appends `value` as a big-endian integer of `bits` (8, 16, 32 or 64) bits, truncating. */
  uint(value: bigint, bits: number): void {
    for (let shift = bits - 8; shift >= 0; shift -= 8) this.byte(Number((value >> BigInt(shift)) & 0xffn));
  }

  u32(value: number): void {
    this.reserve(4);
    this.buf[this.length++] = value >>> 24;
    this.buf[this.length++] = (value >>> 16) & 0xff;
    this.buf[this.length++] = (value >>> 8) & 0xff;
    this.buf[this.length++] = value & 0xff;
  }

  /** Zero bytes up to the next multiple of `n`. */
  align(n: number): void {
    while (this.length % n !== 0) this.byte(0);
  }

  /** Inserts `b` at `at`, moving what follows. */
  insert(at: number, b: ArrayLike<number>): void {
    this.reserve(b.length);
    this.buf.copyWithin(at + b.length, at, this.length);
    this.buf.set(b, at);
    this.length += b.length;
  }

  setU32(at: number, value: number): void {
    this.buf[at] = value >>> 24;
    this.buf[at + 1] = (value >>> 16) & 0xff;
    this.buf[at + 2] = (value >>> 8) & 0xff;
    this.buf[at + 3] = value & 0xff;
  }

  /** A copy of the contents. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export function readU64(b: Uint8Array, at: number): bigint {
  return (BigInt(readU32(b, at)) << 32n) | BigInt(readU32(b, at + 4));
}

/** The UTF-8 bytes of one code point (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8Of(cp: number, out: ByteBuf): void {
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x80) out.byte(cp);
  else if (cp < 0x800) {
    out.byte(0xc0 | (cp >> 6));
    out.byte(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out.byte(0xe0 | (cp >> 12));
    out.byte(0x80 | ((cp >> 6) & 0x3f));
    out.byte(0x80 | (cp & 0x3f));
  } else {
    out.byte(0xf0 | (cp >> 18));
    out.byte(0x80 | ((cp >> 12) & 0x3f));
    out.byte(0x80 | ((cp >> 6) & 0x3f));
    out.byte(0x80 | (cp & 0x3f));
  }
}

/** Bytes as a string, one character per byte (names are ASCII once checked). */
export function latin1(b: Uint8Array): string {
  let s = "";
  if (b.length <= 64) {
    for (const x of b) s += String.fromCharCode(x);
    return s;
  }
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** A name's bytes as text: UTF-8 when they are, else one character per byte. */
export function decodeUtf8(b: Uint8Array): string {
  try {
    return decodeURIComponent(Array.from(b, (x) => `%${x.toString(16).padStart(2, "0")}`).join(""));
  } catch {
    return latin1(b);
  }
}

/** `0x` and at least two lower-case hex digits, as dtc prints cells. */
export function hex(n: number | bigint): string {
  return `0x${n.toString(16).padStart(2, "0")}`;
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  if (i < 0) return "";
  return i === 0 ? "/" : path.slice(0, i);
}

/**
 * The path of `name` included from `fromFile`: relative names resolve against the including file's
 * directory, as dtc's srcfile_relative_open() does; `.` and `..` segments are folded.
 */
export function resolveInclude(name: string, fromFile: string): string {
  const dir = dirname(fromFile);
  const joined = name.startsWith("/") || dir === "" ? name : `${dir}/${name}`;
  const out: string[] = [];
  for (const seg of joined.split("/")) {
    if (seg === "." || (seg === "" && out.length > 0)) continue;
    if (seg === "..") {
      const last = out[out.length - 1];
      if (last === "") continue; // `..` of the root is the root
      if (last !== undefined && last !== "..") {
        out.pop();
        continue;
      }
    }
    out.push(seg);
  }
  return out.join("/") || (joined.startsWith("/") ? "/" : ".");
}

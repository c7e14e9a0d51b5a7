/** Small helpers for the device-tree tests: big-endian cells, strings as bytes, property lookup. */
import { expect } from "vitest";
import { DtError, type DtNode, type DtTree } from "../../../src/platform/dt/index.js";

/** Big-endian 32-bit cells, as a DTB stores `<a b c>`. */
export function cells(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(out.buffer).setUint32(4 * i, v >>> 0));
  return out;
}

/** NUL-terminated ASCII strings, as a DTB stores `"a", "b"`. */
export function strs(...values: string[]): Uint8Array {
  return Uint8Array.from([...values.join("\0")].map((c) => c.charCodeAt(0)).concat(0));
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** The node at a `/a/b@1` path (whole names, unit addresses included). */
export function node(tree: DtTree, path: string): DtNode {
  let n = tree.root;
  for (const seg of path.split("/").filter((s) => s !== "")) {
    const c = n.children.find((x) => x.name === seg);
    if (c === undefined) throw new Error(`no node ${seg} under ${n.name || "/"} (children: ${n.children.map((x) => x.name).join(", ")})`);
    n = c;
  }
  return n;
}

/** The value of property `name` of the node at `path`. */
export function prop(tree: DtTree, path: string, name: string): Uint8Array {
  const p = node(tree, path).properties.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no property ${name} in ${path}`);
  return p.value;
}

export function propNames(tree: DtTree, path: string): string[] {
  return node(tree, path).properties.map((p) => p.name);
}

export function childNames(tree: DtTree, path: string): string[] {
  return node(tree, path).children.map((c) => c.name);
}

/** The DtError `f` throws (failing the test if it throws nothing or something else). */
export function dtError(f: () => unknown): DtError {
  try {
    f();
  } catch (e) {
    if (e instanceof DtError) return e;
    throw new Error(`expected a DtError, got ${String(e)}`, { cause: e });
  }
  expect.fail("expected a DtError, nothing was thrown");
}

/**
 * The device tree as the kernel sees it after unflattening (include/linux/of.h, of_address.h,
 * drivers/of/base.c, drivers/of/address.c), reduced to what the ports use.
 *
 * A node keeps the flattened tree's shape: a name with its unit address (`gce@10212000`), a
 * phandle, and properties that are a name plus the raw big-endian bytes of the DTB, so a DTS/DTB
 * parser can fill these nodes directly and every accessor decodes cells exactly as Linux does
 * (`of_read_number`, `be32_to_cpup`). The small constructors at the end (`of_node_alloc`,
 * `of_prop_u32`…) are for boards and tests that build a tree in code; they are not kernel API.
 *
 * MODEL: phandles are resolved within the tree the referring node belongs to (walking up to its
 * root) instead of through the global `of_root`, so several machines can share a process.
 * Address translation through `ranges` is not modelled: bus addresses are CPU physical
 * addresses (the mt8173 `soc` node maps 1:1). No refcounting (`of_node_get/put` are no-ops).
 */
import { EINVAL, ENODATA, ENODEV, ENOENT, EOVERFLOW } from "./errno.js";


/** struct property: a name and its raw (big-endian) value; `length` is `value.length`. */
export interface property {
  readonly name: string;
  readonly value: Uint8Array;
}

/** struct device_node. */
export interface device_node {
  /** The node name without the unit address (`gce`). */
  readonly name: string;
  /** The name with the unit address (`gce@10212000`); Linux's `full_name` since 4.x. */
  readonly full_name: string;
  /** 0 when the node has none. */
  phandle: number;
  readonly properties: property[];
  parent: device_node | null;
  readonly children: device_node[];
}

/** MAX_PHANDLE_ARGS (include/linux/of.h). */
export const MAX_PHANDLE_ARGS = 16;

/** struct of_phandle_args: the node a phandle names and the cells that follow it. */
export interface of_phandle_args {
  np: device_node | null;
  args_count: number;
  readonly args: number[];
}

export function of_phandle_args_init(): of_phandle_args {
  return { np: null, args_count: 0, args: [] };
}

/** A match table entry (struct of_device_id): `data` is the driver's per-SoC description. */
export interface of_device_id<D = unknown> {
  readonly compatible: string;
  readonly data?: D;
}

/** OF_ROOT_NODE_ADDR_CELLS_DEFAULT / OF_ROOT_NODE_SIZE_CELLS_DEFAULT. */
export const OF_ROOT_NODE_ADDR_CELLS_DEFAULT = 1;
export const OF_ROOT_NODE_SIZE_CELLS_DEFAULT = 1;

/** IORESOURCE_MEM / IORESOURCE_IRQ (include/linux/ioport.h). */
export const IORESOURCE_MEM = 0x0000_0200;
export const IORESOURCE_IRQ = 0x0000_0400;

/** struct resource (include/linux/ioport.h). `end` is inclusive, as in the kernel. */
export interface resource {
  start: number;
  end: number;
  flags: number;
  name: string;
}

export function resource_size(r: resource): number {
  return r.end - r.start + 1;
}

export function of_find_property(np: device_node | null, name: string): property | null {
  if (np === null) return null;
  for (const p of np.properties) if (p.name === name) return p;
  return null;
}

/** of_get_property(): the raw value, or null when the node has no such property. */
export function of_get_property(np: device_node | null, name: string): Uint8Array | null {
  return of_find_property(np, name)?.value ?? null;
}

export function of_property_read_bool(np: device_node | null, name: string): boolean {
  return of_find_property(np, name) !== null;
}

function be32(value: Uint8Array, cell: number): number {
  const i = cell * 4;
  return ((value[i]! << 24) | (value[i + 1]! << 16) | (value[i + 2]! << 8) | value[i + 3]!) >>> 0;
}

/**
 * of_read_number(): `size` cells from `cell` as one number. Values past 2^53 cannot occur on the
 * boards we model (physical addresses stay below 2^40), so the arithmetic is exact.
 */
export function of_read_number(value: Uint8Array, cell: number, size: number): number {
  let r = 0;
  for (let i = 0; i < size; i++) r = r * 0x1_0000_0000 + be32(value, cell + i);
  return r;
}

/** Cells of a property (length / 4). */
export function of_property_count_u32_elems(np: device_node | null, name: string): number {
  const p = of_find_property(np, name);
  if (p === null) return -EINVAL;
  if (p.value.length === 0) return -ENODATA;
  return Math.floor(p.value.length / 4);
}

/**
 * of_property_read_u32_index(): cell `index` of property `name` into `out_value.value`.
 * Returns 0, -EINVAL (no such property), -ENODATA (no value) or -EOVERFLOW (too short).
 */
export function of_property_read_u32_index(np: device_node | null, name: string, index: number, out_value: { value: number }): number {
  const p = of_find_property(np, name);
  if (p === null) return -EINVAL;
  if (p.value.length === 0) return -ENODATA;
  if (!Number.isInteger(index) || index < 0 || (index + 1) * 4 > p.value.length) return -EOVERFLOW;
  out_value.value = be32(p.value, index);
  return 0;
}

/** of_property_read_u32(): the first cell. */
export function of_property_read_u32(np: device_node | null, name: string, out_value: { value: number }): number {
  return of_property_read_u32_index(np, name, 0, out_value);
}

/** The NUL-separated strings of a property (a `stringlist`). */
function strings_of(value: Uint8Array): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === 0) {
      out.push(String.fromCharCode(...value.subarray(start, i)));
      start = i + 1;
    }
  }
  if (start < value.length) out.push(String.fromCharCode(...value.subarray(start)));
  return out;
}

/** of_property_read_string(): the first string into `out_string.value`; 0, -EINVAL or -ENODATA. */
export function of_property_read_string(np: device_node | null, name: string, out_string: { value: string }): number {
  const p = of_find_property(np, name);
  if (p === null) return -EINVAL;
  const s = strings_of(p.value);
  if (s.length === 0) return -ENODATA;
  out_string.value = s[0]!;
  return 0;
}

/** of_property_match_string(): index of `str` in a string list, or -EINVAL / -ENODATA. */
export function of_property_match_string(np: device_node | null, name: string, str: string): number {
  const p = of_find_property(np, name);
  if (p === null) return -EINVAL;
  const i = strings_of(p.value).indexOf(str);
  return i < 0 ? -ENODATA : i;
}

/**
 * of_device_is_compatible(): a score > 0 when `compat` is in the node's `compatible` list
 * (earlier entries score higher, as __of_device_is_compatible does), else 0.
 */
export function of_device_is_compatible(np: device_node | null, compat: string): number {
  const p = of_find_property(np, "compatible");
  if (p === null) return 0;
  const list = strings_of(p.value);
  const i = list.indexOf(compat);
  return i < 0 ? 0 : (list.length - i) * 4;
}

/** of_match_node(): the best-scoring entry of `matches` for `np`, or null. */
export function of_match_node<D>(matches: readonly of_device_id<D>[], np: device_node | null): of_device_id<D> | null {
  let best: of_device_id<D> | null = null;
  let bestScore = 0;
  for (const m of matches) {
    const score = of_device_is_compatible(np, m.compatible);
    if (score > bestScore) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}

export function of_get_parent(np: device_node | null): device_node | null {
  return np?.parent ?? null;
}

export function of_get_child_by_name(np: device_node | null, name: string): device_node | null {
  return np?.children.find((c) => c.name === name) ?? null;
}

/** of_node_get / of_node_put: references are not counted here. */
export function of_node_get(np: device_node | null): device_node | null {
  return np;
}
export function of_node_put(_np: device_node | null): void {}

function tree_root(np: device_node): device_node {
  let r = np;
  while (r.parent !== null) r = r.parent;
  return r;
}

function find_phandle(np: device_node, phandle: number): device_node | null {
  if (np.phandle === phandle) return np;
  for (const c of np.children) {
    const f = find_phandle(c, phandle);
    if (f !== null) return f;
  }
  return null;
}

/**
 * of_find_node_by_phandle(): the node with `phandle` in the tree `from` belongs to (MODEL: Linux
 * searches the global `of_root`).
 */
export function of_find_node_by_phandle(from: device_node, phandle: number): device_node | null {
  if (phandle === 0) return null;
  return find_phandle(tree_root(from), phandle);
}

/** Depth-first walk of every node under (and including) `np`. */
export function of_walk(np: device_node, visit: (n: device_node) => void): void {
  visit(np);
  for (const c of np.children) of_walk(c, visit);
}

/** of_find_compatible_node(): the first node (depth first) under `from` whose compatible matches. */
export function of_find_compatible_node(from: device_node, compat: string): device_node | null {
  if (of_device_is_compatible(from, compat) > 0) return from;
  for (const c of from.children) {
    const f = of_find_compatible_node(c, compat);
    if (f !== null) return f;
  }
  return null;
}

/** for_each_compatible_node(): every node under (and including) `from` whose compatible matches, depth first. */
export function for_each_compatible_node(from: device_node, compat: string): device_node[] {
  const out: device_node[] = [];
  of_walk(from, (n) => {
    if (of_device_is_compatible(n, compat) > 0) out.push(n);
  });
  return out;
}

/**
 * of_device_is_available() (__of_device_is_available): a node without `status`, or with
 * "okay" / "ok", is available; anything else ("disabled", "fail", "reserved") is not.
 */
export function of_device_is_available(np: device_node | null): boolean {
  if (np === null) return false;
  const p = of_find_property(np, "status");
  if (p === null) return true;
  const s = strings_of(p.value)[0] ?? "";
  return s === "okay" || s === "ok";
}

/** The node's path from the root (`/soc/gce@10212000`), as `%pOF` prints it. */
export function of_node_full_path(np: device_node): string {
  if (np.parent === null) return "/";
  const up = of_node_full_path(np.parent);
  return `${up === "/" ? "" : up}/${np.full_name}`;
}

/**
 * of_find_node_by_path(): the node at an absolute path under the root of `from`'s tree
 * (`/soc/gce@10212000`; a component without a unit address matches the first node of that
 * name), or, for a path not starting with '/', the node an `/aliases` entry names
 * (`gce0` or `gce0/child`). Null when there is none.
 */
export function of_find_node_by_path(from: device_node, path: string): device_node | null {
  const root = tree_root(from);
  let rest = path;
  let np: device_node | null = root;
  if (!path.startsWith("/")) {
    const slash = path.indexOf("/");
    const alias = slash < 0 ? path : path.slice(0, slash);
    const target = { value: "" };
    if (of_property_read_string(of_get_child_by_name(root, "aliases"), alias, target) !== 0 || !target.value.startsWith("/")) return null;
    np = of_find_node_by_path(root, target.value);
    rest = slash < 0 ? "" : path.slice(slash);
  }
  for (const part of rest.split("/")) {
    if (part === "" || np === null) continue;
    const cur: device_node = np;
    np = cur.children.find((c) => c.full_name === part) ?? (part.includes("@") ? null : of_get_child_by_name(cur, part));
  }
  return np;
}

/**
 * of_alias_get_id(): N for the `/aliases` entry `<stem>N` that names `np` (mt8195's `gce0`,
 * `gce1`), or -ENODEV.
 */
export function of_alias_get_id(np: device_node, stem: string): number {
  const aliases = of_get_child_by_name(tree_root(np), "aliases");
  for (const p of aliases?.properties ?? []) {
    const m = /^(.*?)(\d+)$/.exec(p.name);
    if (m === null || m[1] !== stem) continue;
    const target = strings_of(p.value)[0];
    if (target !== undefined && target.startsWith("/") && of_find_node_by_path(np, target) === np) return Number(m[2]);
  }
  return -ENODEV;
}

/** for_each_of_cpu_node(): the children of `/cpus` whose `device_type` is "cpu". */
export function for_each_of_cpu_node(from: device_node): device_node[] {
  const cpus = of_find_node_by_path(from, "/cpus");
  return (cpus?.children ?? []).filter((c) => {
    const t = { value: "" };
    return of_property_read_string(c, "device_type", t) === 0 && t.value === "cpu";
  });
}

/**
 * of_get_cpu_hwid(): the hardware id (`reg` entry `thread`, `#address-cells` of `/cpus` wide) of
 * a cpu node, or ~0 (0xffffffff, what a u32 caller compares with) when it has none.
 */
export function of_get_cpu_hwid(cpun: device_node, thread: number): number {
  const reg = of_get_property(cpun, "reg");
  const ac = of_n_addr_cells(cpun);
  if (reg === null || ac === 0 || (thread + 1) * ac * 4 > reg.length) return 0xffff_ffff;
  return of_read_number(reg, thread * ac, ac);
}

/**
 * of_parse_phandle_with_args() (__of_parse_phandle_with_args): entry `index` of a list of
 * `<&node cell…>` where `#cells_name` in the target node says how many cells follow each phandle.
 * Returns 0 and fills `out_args`, -ENOENT when the list has no entry `index` (or it is an empty
 * `<0>` entry), -EINVAL when the list is malformed (unknown phandle, missing or oversized cell
 * count, truncated entry).
 */
export function of_parse_phandle_with_args(np: device_node | null, list_name: string, cells_name: string, index: number, out_args: of_phandle_args): number {
  return parse_phandle_list(np, list_name, cells_name, -1, index, out_args);
}

/** of_parse_phandle_with_fixed_args(): as above with `cell_count` cells after every phandle. */
export function of_parse_phandle_with_fixed_args(np: device_node | null, list_name: string, cell_count: number, index: number, out_args: of_phandle_args): number {
  return parse_phandle_list(np, list_name, null, cell_count, index, out_args);
}

/** of_count_phandle_with_args(): entries in the list, or a negative errno. */
export function of_count_phandle_with_args(np: device_node | null, list_name: string, cells_name: string): number {
  let n = 0;
  const scratch = of_phandle_args_init();
  for (;;) {
    const rc = parse_phandle_list(np, list_name, cells_name, -1, n, scratch);
    if (rc === -ENOENT) return n;
    if (rc < 0) return rc;
    n++;
  }
}

function parse_phandle_list(
  np: device_node | null,
  list_name: string,
  cells_name: string | null,
  cell_count: number,
  index: number,
  out_args: of_phandle_args,
): number {
  if (np === null || !Number.isInteger(index) || index < 0) return -EINVAL;
  const p = of_find_property(np, list_name);
  if (p === null) return -ENOENT;
  const cells = Math.floor(p.value.length / 4);
  let cur = 0;
  let i = 0;
  while (i < cells) {
    const phandle = be32(p.value, i++);
    let count = 0;
    let target: device_node | null = null;
    if (phandle !== 0) {
      target = of_find_node_by_phandle(np, phandle);
      if (target === null) return -EINVAL; // "could not find phandle"
      if (cells_name !== null) {
        const c = { value: 0 };
        if (of_property_read_u32(target, cells_name, c) !== 0) return -EINVAL; // "could not get #cells"
        count = c.value;
      } else {
        count = cell_count;
      }
      if (count > MAX_PHANDLE_ARGS || i + count > cells) return -EINVAL; // "arguments longer than property"
    }
    if (cur === index) {
      if (target === null) return -ENOENT;
      out_args.np = target;
      out_args.args_count = count;
      out_args.args.length = 0;
      for (let k = 0; k < count; k++) out_args.args.push(be32(p.value, i + k));
      return 0;
    }
    i += count;
    cur++;
  }
  return -ENOENT;
}

/** of_parse_phandle(): the node of entry `index` of a plain phandle list, or null. */
export function of_parse_phandle(np: device_node | null, name: string, index: number): device_node | null {
  const args = of_phandle_args_init();
  return parse_phandle_list(np, name, null, 0, index, args) === 0 ? args.np : null;
}

function cells_of(np: device_node | null, prop: string, fallback: number): number {
  for (let p = np?.parent ?? null; p !== null; p = p.parent) {
    const v = { value: 0 };
    if (of_property_read_u32(p, prop, v) === 0) return v.value;
  }
  return fallback;
}

/** of_n_addr_cells(): `#address-cells` of the nearest ancestor, default 1. */
export function of_n_addr_cells(np: device_node | null): number {
  return cells_of(np, "#address-cells", OF_ROOT_NODE_ADDR_CELLS_DEFAULT);
}

/** of_n_size_cells(): `#size-cells` of the nearest ancestor, default 1. */
export function of_n_size_cells(np: device_node | null): number {
  return cells_of(np, "#size-cells", OF_ROOT_NODE_SIZE_CELLS_DEFAULT);
}

/**
 * of_address_to_resource(): entry `index` of the node's `reg`, decoded with the parent bus's
 * `#address-cells`/`#size-cells`, into `r`. Returns 0, or -EINVAL when there is no such entry.
 */
export function of_address_to_resource(np: device_node | null, index: number, r: resource): number {
  if (np === null || !Number.isInteger(index) || index < 0) return -EINVAL;
  const reg = of_get_property(np, "reg");
  if (reg === null) return -EINVAL;
  const na = of_n_addr_cells(np);
  const ns = of_n_size_cells(np);
  const onesize = na + ns;
  if (onesize === 0 || (index + 1) * onesize * 4 > reg.length) return -EINVAL;
  const start = of_read_number(reg, index * onesize, na);
  const size = of_read_number(reg, index * onesize + na, ns);
  if (size === 0) return -EINVAL;
  r.start = start;
  r.end = start + size - 1;
  r.flags = IORESOURCE_MEM;
  r.name = np.full_name;
  return 0;
}

/** An empty resource to pass to of_address_to_resource(). */
export function resource_init(): resource {
  return { start: 0, end: -1, flags: 0, name: "" };
}

// ---------------------------------------------------------------------------------------------
// Building trees in code (boards, tests). A DTS/DTB reader produces the same nodes.

/** A node named `full_name` (`name@unit`) with `properties`; a `phandle` property sets the phandle. */
export function of_node_alloc(full_name: string, properties: readonly property[] = []): device_node {
  const at = full_name.indexOf("@");
  const ph = properties.find((p) => p.name === "phandle" || p.name === "linux,phandle");
  return {
    name: at < 0 ? full_name : full_name.slice(0, at),
    full_name,
    phandle: ph !== undefined && ph.value.length >= 4 ? be32(ph.value, 0) : 0,
    properties: [...properties],
    parent: null,
    children: [],
  };
}

/** Attaches `child` under `parent` and returns the child. */
export function of_node_attach(parent: device_node, child: device_node): device_node {
  child.parent = parent;
  parent.children.push(child);
  return child;
}

/**
 * of_update_property() (drivers/of/base.c): replaces the property of that name, or adds it.
 * Boards use it to apply their options to the tree before binding. Returns 0.
 */
export function of_update_property(np: device_node, newprop: property): number {
  const i = np.properties.findIndex((p) => p.name === newprop.name);
  if (i < 0) np.properties.push(newprop);
  else np.properties[i] = newprop;
  return 0;
}

/** of_detach_node() (drivers/of/dynamic.c): takes the node (and its subtree) out of its tree. */
export function of_detach_node(np: device_node): number {
  const parent = np.parent;
  if (parent === null) return -EINVAL;
  const i = parent.children.indexOf(np);
  if (i >= 0) parent.children.splice(i, 1);
  np.parent = null;
  return 0;
}

/** A property of big-endian u32 cells (`name = <a b c>`). Cells must be integers 0..2^32-1. */
export function of_prop_u32(name: string, ...cells: readonly number[]): property {
  const value = new Uint8Array(cells.length * 4);
  cells.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c > 0xffff_ffff) throw new RangeError(`property ${name}: cell ${c} is not a u32`);
    value[4 * i] = c >>> 24;
    value[4 * i + 1] = (c >>> 16) & 0xff;
    value[4 * i + 2] = (c >>> 8) & 0xff;
    value[4 * i + 3] = c & 0xff;
  });
  return { name, value };
}

/** A string-list property (`name = "a", "b"`), each string NUL-terminated. */
export function of_prop_string(name: string, ...strings: readonly string[]): property {
  const bytes: number[] = [];
  for (const s of strings) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0 || c > 0x7e) throw new RangeError(`property ${name}: only printable ASCII strings are supported`);
      bytes.push(c);
    }
    bytes.push(0);
  }
  return { name, value: Uint8Array.from(bytes) };
}

/** An empty (boolean) property (`name;`). */
export function of_prop_bool(name: string): property {
  return { name, value: new Uint8Array(0) };
}

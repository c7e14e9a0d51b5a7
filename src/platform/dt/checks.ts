/**
 * dtc's error-level checks and its reference fixups (dtc checks.c), in dtc's order: every check
 * runs over the whole tree before the next starts, so the first error we report is one dtc
 * reports too. Warnings (reg format, unit addresses, bus bindings…) are not dtc errors and are
 * left to dtc's linting.
 *
 * The fixups mutate the tree exactly as dtc's do: `name` properties that repeat the node name are
 * dropped, `&label` cells get the target's phandle (allocated in the order references are met,
 * as get_node_phandle() does, adding a `phandle` property: dtc's default -H epapr), `&label`
 * strings become the target's path, and unreferenced /omit-if-no-ref/ nodes are deleted.
 */
import { ByteBuf, latin1, readU32 } from "./bytes.js";
import { deleteNode, fullPath, getProp, nodeByRef, walkLive, type Marker, type Node, type Prop } from "./live.js";
import type { SourcePos } from "./types.js";

/** Where a problem is: a DTS position, or a DTB offset. */
export interface Place {
  readonly at?: SourcePos;
  readonly offset?: number;
}

/** Raises the reader's DtError for a place; never returns. */
export type Fail = (place: Place, reason: string) => never;

// dtc checks.c: NODECHARS and PROPCHARS.
const NODE_CHARS = /^[A-Za-z0-9,._+@-]*$/;
const PROP_CHARS = /^[A-Za-z0-9,._+*#?-]*$/;

/** The first character of `name` outside the set, or "" when all are in it. */
function firstBad(name: string, ok: RegExp): string {
  if (ok.test(name)) return "";
  for (const ch of name) if (!ok.test(ch)) return ch;
  return "";
}

function describe(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return code >= 0x20 && code < 0x7f ? `'${ch}'` : `U+${code.toString(16).padStart(4, "0")}`;
}

function liveProps(node: Node): Prop[] {
  return node.props.filter((p) => !p.deleted);
}

/**
 * The first (earlier, later) pair of items with the same name, where the earlier one is live:
 * dtc's nested loops, in one pass.
 */
function firstDuplicate<T extends { readonly name: string; readonly deleted: boolean }>(items: readonly T[]): [T, T] | undefined {
  const firstLive = new Map<string, number>();
  let best: [number, number] | undefined;
  items.forEach((it, j) => {
    const i = firstLive.get(it.name);
    if (i !== undefined) {
      if (best === undefined || i < best[0]) best = [i, j];
    } else if (!it.deleted) firstLive.set(it.name, j);
  });
  return best === undefined ? undefined : [items[best[0]]!, items[best[1]]!];
}

function checkDuplicateNodeNames(root: Node, fail: Fail): void {
  // check_duplicate_node_names() compares a live child with every later sibling, deleted or not.
  walkLive(root, (node) => {
    const dup = firstDuplicate(node.children);
    if (dup !== undefined) fail(dup[1], `duplicate node name "${dup[1].name}" in ${fullPath(node)}`);
  });
}

function checkDuplicatePropertyNames(root: Node, fail: Fail, where: (p: Place) => string): void {
  walkLive(root, (node) => {
    const dup = firstDuplicate(liveProps(node));
    if (dup !== undefined) fail(dup[1], `duplicate property "${dup[1].name}" in ${fullPath(node)} (first defined ${where(dup[0])})`);
  });
}

function checkNames(root: Node, fail: Fail): void {
  walkLive(root, (node) => {
    const bad = firstBad(node.name, NODE_CHARS);
    if (bad !== "") fail(node, `bad character ${describe(bad)} in node name "${node.name}"`);
  });
  walkLive(root, (node) => {
    const at = node.name.indexOf("@");
    if (at >= 0 && node.name.indexOf("@", at + 1) >= 0) fail(node, `node name "${node.name}" has more than one '@'`);
  });
  walkLive(root, (node) => {
    for (const p of liveProps(node)) {
      const bad = firstBad(p.name, PROP_CHARS);
      if (bad !== "") fail(p, `bad character ${describe(bad)} in property name "${p.name}" of ${fullPath(node)}`);
    }
  });
}

function isOneString(b: Uint8Array): boolean {
  return b.length > 0 && b[b.length - 1] === 0 && b.indexOf(0) === b.length - 1;
}

/** name_is_string and name_properties: a `name` equal to the base name is redundant and dropped. */
function checkNameProperties(root: Node, fail: Fail): void {
  walkLive(root, (node) => {
    const p = getProp(node, "name");
    if (p !== undefined && !isOneString(p.data.toBytes())) fail(p, `property "name" of ${fullPath(node)} is not a string`);
  });
  walkLive(root, (node) => {
    // dtc looks at the first `name` even when it was deleted (its value is then empty).
    const i = node.props.findIndex((p) => p.name === "name");
    if (i < 0) return;
    const p = node.props[i]!;
    const base = node.name.split("@")[0]!;
    const value = p.data.toBytes();
    const text = latin1(value.subarray(0, value.indexOf(0) < 0 ? value.length : value.indexOf(0)));
    if (value.length !== base.length + 1 || text !== base) {
      fail(p, `property "name" of ${fullPath(node)} is "${text}", not the node's base name "${base}"`);
    }
    node.props.splice(i, 1);
  });
}

/**
 * check_duplicate_label(): a label may name one node, one property or one place in a value.
 * Node labels anywhere take precedence over property labels, which take precedence over value
 * labels, exactly as get_node_by_label / get_property_by_label / get_marker_label are tried.
 */
function checkDuplicateLabels(root: Node, fail: Fail): void {
  interface Owner {
    readonly owner: object;
    /** Says what carries the label; computed only for the message. */
    readonly what: () => string;
  }
  const byNode = new Map<string, Owner>();
  const byProp = new Map<string, Owner>();
  const byMark = new Map<string, Owner>();
  const occurrences: { name: string; owner: object; place: Place }[] = [];
  const note = (map: Map<string, Owner>, name: string, owner: object, what: () => string, place: Place): void => {
    if (!map.has(name)) map.set(name, { owner, what });
    occurrences.push({ name, owner, place });
  };
  walkLive(root, (node) => {
    for (const l of node.labels) if (!l.deleted) note(byNode, l.name, node, () => fullPath(node), l.at === undefined ? node : { at: l.at });
    for (const p of liveProps(node)) {
      for (const l of p.labels) if (!l.deleted) note(byProp, l.name, p, () => `property "${p.name}" of ${fullPath(node)}`, l.at === undefined ? p : { at: l.at });
      for (const m of p.markers) if (m.kind === "label") note(byMark, m.ref, m, () => `the value of "${p.name}" in ${fullPath(node)}`, m);
    }
  });
  for (const o of occurrences) {
    const first = byNode.get(o.name) ?? byProp.get(o.name) ?? byMark.get(o.name);
    if (first !== undefined && first.owner !== o.owner) fail(o.place, `duplicate label "${o.name}" (already on ${first.what()})`);
  }
}

const phandleIsValid = (p: number): boolean => p !== 0 && p !== 0xffff_ffff;

/** Resolves a reference the way get_node_by_ref() does, on a tree whose shape no longer changes. */
type Resolve = (ref: string) => Node | undefined;

/** get_node_by_ref() with the labels indexed once (the first live node in pre-order wins). */
function resolver(root: Node): Resolve {
  const byLabel = new Map<string, Node>();
  walkLive(root, (node) => {
    for (const l of node.labels) if (!l.deleted && !byLabel.has(l.name)) byLabel.set(l.name, node);
  });
  return (ref) => (ref.startsWith("/") ? nodeByRef(root, ref) : byLabel.get(ref));
}

/** check_phandle_prop(): the explicit phandle a property gives, or 0 (none, or `<&self>`). */
function explicitPhandle(resolve: Resolve, node: Node, name: string, fail: Fail): number {
  const p = getProp(node, name);
  if (p === undefined) return 0;
  if (p.data.length !== 4) fail(p, `bad length (${p.data.length}) of property "${name}" of ${fullPath(node)}: a phandle is one cell`);
  const ref = p.markers.find((m) => m.kind === "phandle");
  if (ref !== undefined) {
    // `phandle = <&self>` asks for an allocated phandle; any other node's is nonsense.
    if (resolve(ref.ref) !== node) fail(ref, `property "${name}" of ${fullPath(node)} refers to another node`);
    return 0;
  }
  const v = readU32(p.data.toBytes(), 0);
  if (!phandleIsValid(v)) fail(p, `bad phandle value 0x${v.toString(16)} in property "${name}" of ${fullPath(node)}`);
  return v;
}

/** check_explicit_phandles(): returns the index of phandles in use. */
function checkExplicitPhandles(root: Node, resolve: Resolve, fail: Fail): Map<number, Node> {
  const used = new Map<number, Node>();
  walkLive(root, (node) => {
    const ph = explicitPhandle(resolve, node, "phandle", fail);
    const linux = explicitPhandle(resolve, node, "linux,phandle", fail);
    if (ph === 0 && linux === 0) return;
    if (ph !== 0 && linux !== 0 && ph !== linux) fail(node, `mismatching "phandle" and "linux,phandle" in ${fullPath(node)}`);
    const value = ph !== 0 ? ph : linux;
    const other = used.get(value);
    if (other !== undefined) fail(getProp(node, ph !== 0 ? "phandle" : "linux,phandle") ?? node, `duplicated phandle 0x${value.toString(16)} (also on ${fullPath(other)})`);
    node.phandle = value;
    used.set(value, node);
  });
  return used;
}

function unknownRef(m: Marker): string {
  return m.ref.startsWith("/") ? `unknown path &{${m.ref}}` : `unknown label &${m.ref}`;
}

/** fixup_phandle_references() with get_node_phandle()'s allocation: the lowest free value from a counter that never goes back. */
function fixupPhandleReferences(root: Node, resolve: Resolve, used: Map<number, Node>, fail: Fail): void {
  let next = 1;
  const phandleOf = (node: Node): number => {
    if (phandleIsValid(node.phandle)) return node.phandle;
    while (used.has(next)) next++;
    node.phandle = next;
    used.set(next, node);
    if (getProp(node, "phandle") === undefined) {
      const data = new ByteBuf(4);
      data.u32(next);
      node.props.push({ name: "phandle", data, markers: [], labels: [], deleted: false });
    }
    return next;
  };
  walkLive(root, (node) => {
    for (const p of liveProps(node)) {
      for (const m of p.markers) {
        if (m.kind !== "phandle") continue;
        const target = resolve(m.ref);
        if (target === undefined) fail(m, unknownRef(m));
        p.data.setU32(m.offset, phandleOf(target));
        target.referenced = true;
      }
    }
  });
}

/**
 * fixup_path_references(): the target's full path and a NUL go in at each path marker, and the
 * markers after it move along (data_insert_at_marker()); done in one copy per property.
 */
function fixupPathReferences(root: Node, resolve: Resolve, fail: Fail): void {
  walkLive(root, (node) => {
    for (const p of liveProps(node)) {
      if (!p.markers.some((m) => m.kind === "path")) continue;
      const old = p.data.toBytes();
      const out = new ByteBuf(old.length + 64);
      let copied = 0;
      for (const m of p.markers) {
        out.bytes(old.subarray(copied, m.offset));
        copied = m.offset;
        m.offset = out.length;
        if (m.kind !== "path") continue;
        const target = resolve(m.ref);
        if (target === undefined) fail(m, unknownRef(m));
        for (const c of fullPath(target)) out.byte(c.charCodeAt(0));
        out.byte(0);
        target.referenced = true;
      }
      out.bytes(old.subarray(copied));
      p.data = out;
    }
  });
}

/** The checks a DTB goes through as well (dtc runs them whatever the input format). */
export function runStructureChecks(root: Node, fail: Fail, where: (p: Place) => string): void {
  checkDuplicateNodeNames(root, fail);
  checkDuplicatePropertyNames(root, fail, where);
  checkNames(root, fail);
  checkNameProperties(root, fail);
  checkExplicitPhandles(root, resolver(root), fail);
}

/** Every DTS check and fixup, in dtc's order. */
export function runDtsChecks(root: Node, fail: Fail, where: (p: Place) => string): void {
  checkDuplicateNodeNames(root, fail);
  checkDuplicatePropertyNames(root, fail, where);
  checkNames(root, fail);
  checkNameProperties(root, fail);
  checkDuplicateLabels(root, fail);
  const resolve = resolver(root);
  const used = checkExplicitPhandles(root, resolve, fail);
  fixupPhandleReferences(root, resolve, used, fail);
  fixupPathReferences(root, resolve, fail);
  walkLive(root, (node) => {
    if (node.omitIfUnused && !node.referenced) deleteNode(node);
  });
}

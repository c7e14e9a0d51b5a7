/**
 * The tree under construction, shaped like dtc's live tree (dtc.h, livetree.c) so that merging,
 * deleting and re-adding nodes and properties land every item where dtc puts it, which is what
 * makes our DTB byte-identical to dtc's.
 *
 * As in dtc, deletion only marks: a deleted node or property stays in its parent's list, and a
 * later definition with the same name revives it in place (merge_nodes() searches "with deleted").
 * Label lists are kept in dtc's order (add_label() prepends).
 */
import type { ByteBuf } from "./bytes.js";
import type { DtNode, DtProperty, SourcePos } from "./types.js";

/** Deeper nesting is refused rather than risking the JavaScript stack (Linux's own limit is 64). */
export const MAX_NODE_DEPTH = 512;

export interface Label {
  readonly name: string;
  deleted: boolean;
  readonly at?: SourcePos;
}

/** dtc's markers: a label inside a value, or a reference to resolve into a phandle cell or a path. */
export interface Marker {
  readonly kind: "label" | "phandle" | "path";
  offset: number;
  /** A label name, or a path starting with `/` (from `&{/…}`). */
  readonly ref: string;
  readonly at: SourcePos;
}

export interface Prop {
  readonly name: string;
  data: ByteBuf;
  markers: Marker[];
  readonly labels: Label[];
  deleted: boolean;
  at?: SourcePos;
  /** The FDT_PROP token's offset, for properties read from a DTB. */
  readonly offset?: number;
}

export interface Node {
  /** "" for the root, and for a `{ … }` body parsed for `&label { … }` (it takes its target's). */
  name: string;
  readonly props: Prop[];
  readonly children: Node[];
  readonly labels: Label[];
  parent: Node | null;
  deleted: boolean;
  /** 0 until checks assign one (explicit `phandle` or automatic). */
  phandle: number;
  omitIfUnused: boolean;
  referenced: boolean;
  readonly at?: SourcePos;
  /** The FDT_BEGIN_NODE token's offset, for nodes read from a DTB. */
  readonly offset?: number;
}

export function newNode(name: string, place: { at?: SourcePos; offset?: number }): Node {
  const n: Node = {
    name,
    props: [],
    children: [],
    labels: [],
    parent: null,
    deleted: false,
    phandle: 0,
    omitIfUnused: false,
    referenced: false,
    ...place,
  };
  return n;
}

export function newProp(name: string, data: ByteBuf, markers: Marker[], place: { at?: SourcePos; offset?: number }): Prop {
  return { name, data, markers, labels: [], deleted: false, ...place };
}

/** add_label(): revive an existing label of that name, else put it first. */
export function addLabel(labels: Label[], name: string, at?: SourcePos): void {
  const old = labels.find((l) => l.name === name);
  if (old !== undefined) old.deleted = false;
  else labels.unshift(at === undefined ? { name, deleted: false } : { name, deleted: false, at });
}

export function liveLabels(labels: readonly Label[]): string[] {
  return labels.filter((l) => !l.deleted).map((l) => l.name);
}

export function addChild(parent: Node, child: Node): void {
  child.parent = parent;
  parent.children.push(child);
}

/** get_property(): the first live property of that name. */
export function getProp(node: Node, name: string): Prop | undefined {
  return node.props.find((p) => !p.deleted && p.name === name);
}

function deleteProp(p: Prop): void {
  p.deleted = true;
  for (const l of p.labels) l.deleted = true;
}

/** delete_node(): the node, its live subtree, its properties and all their labels. */
export function deleteNode(node: Node): void {
  node.deleted = true;
  for (const c of node.children) if (!c.deleted) deleteNode(c);
  for (const p of node.props) if (!p.deleted) deleteProp(p);
  for (const l of node.labels) l.deleted = true;
}

/** The first item of each name, deleted or not: what dtc's "with deleted" searches find. */
function firstByName<T extends { readonly name: string }>(items: readonly T[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const it of items) if (!m.has(it.name)) m.set(it.name, it);
  return m;
}

/**
 * merge_nodes(): `nw`'s labels, properties and children go into `old`. A property or child of
 * the same name (deleted or not) is overwritten or merged in place; deletion markers delete.
 */
export function mergeNodes(old: Node, nw: Node): void {
  old.deleted = false;
  for (const l of nw.labels) addLabel(old.labels, l.name, l.at);
  const props = firstByName(old.props);
  for (const p of nw.props) {
    const same = props.get(p.name);
    if (p.deleted) {
      if (same !== undefined) deleteProp(same);
      continue;
    }
    if (same === undefined) {
      old.props.push(p);
      props.set(p.name, p);
      continue;
    }
    for (const l of p.labels) addLabel(same.labels, l.name, l.at);
    same.data = p.data;
    same.markers = p.markers;
    same.deleted = false;
    if (p.at !== undefined) same.at = p.at;
  }
  const children = firstByName(old.children);
  for (const c of nw.children) {
    const same = children.get(c.name);
    if (c.deleted) {
      if (same !== undefined) deleteNode(same);
      continue;
    }
    if (same !== undefined) mergeNodes(same, c);
    else {
      addChild(old, c);
      children.set(c.name, c);
    }
  }
}

/** The node's path (`/soc/mailbox@10212000`, `/` for the root), as dtc's fill_fullpaths(). */
export function fullPath(node: Node): string {
  const names: string[] = [];
  for (let n: Node | null = node; n !== null && n.parent !== null; n = n.parent) names.push(n.name);
  return `/${names.reverse().join("/")}`;
}

/** get_node_by_path(): segments match whole node names (unit address included); `//` is skipped. */
export function nodeByPath(tree: Node, path: string): Node | undefined {
  let node = tree;
  let rest = path;
  for (;;) {
    if (rest === "") return node.deleted ? undefined : node;
    rest = rest.replace(/^\/+/, "");
    const slash = rest.indexOf("/");
    const seg = slash < 0 ? rest : rest.slice(0, slash);
    const child = node.children.find((c) => !c.deleted && c.name === seg);
    if (child === undefined) return undefined;
    if (slash < 0) return child;
    node = child;
    rest = rest.slice(slash + 1);
  }
}

/** get_node_by_label(): the first live node in pre-order that carries the live label. */
export function nodeByLabel(tree: Node, label: string): Node | undefined {
  if (tree.labels.some((l) => !l.deleted && l.name === label)) return tree;
  for (const c of tree.children) {
    if (c.deleted) continue;
    const f = nodeByLabel(c, label);
    if (f !== undefined) return f;
  }
  return undefined;
}

/** get_node_by_ref() of dtc 1.6: `/` is the root, `/…` a path, anything else a label. */
export function nodeByRef(tree: Node, ref: string): Node | undefined {
  if (ref === "/") return tree;
  return ref.startsWith("/") ? nodeByPath(tree, ref) : nodeByLabel(tree, ref);
}

/** Calls `visit` for every live node, parents before children (dtc's check_nodes_props()). */
export function walkLive(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const c of node.children) if (!c.deleted) walkLive(c, visit);
}

/** The live parts of the tree as the public, plain-data tree. */
export function toPublicNode(node: Node): DtNode {
  const out: DtNode = {
    name: node.name,
    labels: liveLabels(node.labels),
    properties: node.props.filter((p) => !p.deleted).map(toPublicProp),
    children: node.children.filter((c) => !c.deleted).map(toPublicNode),
  };
  if (node.at !== undefined) out.at = node.at;
  return out;
}

function toPublicProp(p: Prop): DtProperty {
  const out: DtProperty = { name: p.name, value: p.data.toBytes(), labels: liveLabels(p.labels) };
  if (p.at !== undefined) out.at = p.at;
  return out;
}

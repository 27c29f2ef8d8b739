/**
 * An HDF5 file as plain data (groups, datasets, attributes), and how to read it from an open h5wasm file. Pure:
 * the Node reader runs this in a worker thread (hdf5-tree.ts), the browser on h5wasm's web build.
 */

/** An attribute value as h5wasm returns it (string, string[], number, typed array…). */
export type Hdf5Value = unknown;

export interface Hdf5Group {
  kind: 'group';
  attrs: Record<string, Hdf5Value>;
  children: Record<string, Hdf5Node>;
}

export interface Hdf5Dataset {
  kind: 'dataset';
  attrs: Record<string, Hdf5Value>;
  shape: number[];
  /** h5wasm's dtype string, e.g. "<f" for little-endian float32. */
  dtype: string;
  value: Hdf5Value;
}

export type Hdf5Node = Hdf5Group | Hdf5Dataset;

/** The node at a slash-separated path below `root`, or null. */
export function hdf5Get(root: Hdf5Group, path: string): Hdf5Node | null {
  let node: Hdf5Node = root;
  for (const part of path.split('/')) {
    if (part === '') continue;
    if (node.kind !== 'group' || !Object.hasOwn(node.children, part)) return null;
    node = node.children[part];
  }
  return node;
}

/** Damaged files could declare absurd nesting; models have a handful of levels. */
const MAX_DEPTH = 32;
const MAX_NODES = 100_000;

/** The parts of an h5wasm module the reader needs (its Node and web builds both have them). */
export interface H5wasmLike {
  Group: abstract new (...args: never[]) => H5GroupLike;
  Dataset: abstract new (...args: never[]) => H5DatasetLike;
}
interface H5GroupLike {
  attrs: Record<string, { value: unknown }>;
  keys(): string[];
  get(name: string): unknown;
}
interface H5DatasetLike {
  attrs: Record<string, { value: unknown }>;
  shape: number[] | null;
  dtype: unknown;
  value: unknown;
}

function readAttrs(obj: { attrs: Record<string, { value: unknown }> }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(obj.attrs)) out[name] = a.value;
  return out;
}

/** Reads a group and everything below it; throws on absurd nesting or object counts (damaged files). */
export function readH5wasmGroup(
  h5: H5wasmLike,
  g: H5GroupLike,
  depth = 0,
  count: { nodes: number } = { nodes: 0 },
): Hdf5Group {
  if (depth > MAX_DEPTH) throw new Error(`groups nested deeper than ${MAX_DEPTH} levels`);
  const children: Record<string, Hdf5Node> = {};
  for (const name of g.keys()) {
    if (++count.nodes > MAX_NODES) throw new Error(`more than ${MAX_NODES} objects`);
    const child = g.get(name);
    if (child instanceof h5.Group) children[name] = readH5wasmGroup(h5, child, depth + 1, count);
    else if (child instanceof h5.Dataset)
      children[name] = {
        kind: 'dataset',
        attrs: readAttrs(child),
        shape: child.shape ?? [],
        dtype: String(child.dtype),
        value: child.value,
      };
  }
  return { kind: 'group', attrs: readAttrs(g), children };
}

/**
 * A Node built-in module, imported when first needed and out of bundlers' sight: the kernels also run in browsers,
 * where the branches that call this are never reached, and a literal `import('node:fs')` would make Vite stub the
 * module and warn about it in every app that bundles digits.
 */
export function nodeBuiltin<T>(name: `node:${string}`): Promise<T> {
  return import(/* @vite-ignore */ name) as Promise<T>;
}

/** Running in Node (rather than a browser or a Web Worker). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node;
}

import type { KernelExports } from './ops.js';
import { isNode, nodeBuiltin } from './node-builtin.js';

export type WasmVariant = 'simd' | 'relaxed';

/** The compiled kernel modules, read once per process. */
const moduleCache = new Map<string, WebAssembly.Module>();

function artefactName(variant: WasmVariant, shared: boolean): string {
  return `kernels-${variant}${shared ? '' : '-unshared'}.wasm`;
}

/** Each artefact beside this module, spelled out so that bundlers (Vite, webpack) see and copy all four. */
const ARTEFACTS: Record<string, URL> = {
  'kernels-simd.wasm': new URL('./kernels-simd.wasm', import.meta.url),
  'kernels-simd-unshared.wasm': new URL('./kernels-simd-unshared.wasm', import.meta.url),
  'kernels-relaxed.wasm': new URL('./kernels-relaxed.wasm', import.meta.url),
  'kernels-relaxed-unshared.wasm': new URL('./kernels-relaxed-unshared.wasm', import.meta.url),
};

async function readArtefact(name: string): Promise<Uint8Array<ArrayBuffer>> {
  const url = ARTEFACTS[name];
  if (url.protocol === 'file:') {
    const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises');
    const { existsSync } = await nodeBuiltin<typeof import('node:fs')>('node:fs');
    // Beside the compiled module in dist/kernels/; when running from src/ (tests), in ../../dist/kernels/.
    const built = existsSync(url) ? url : new URL('../../dist/kernels/' + name, import.meta.url);
    return new Uint8Array(await readFile(built));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Loads the compiled kernel module: the relaxed-SIMD build when this runtime validates it (fused
 * multiply-add), otherwise plain SIMD; the shared-memory build where SharedArrayBuffer exists, otherwise the
 * unshared one. Throws if WebAssembly SIMD itself is unavailable.
 */
export async function loadKernelModule(
  prefer: WasmVariant = 'relaxed',
  shared = typeof SharedArrayBuffer !== 'undefined',
): Promise<{ module: WebAssembly.Module; variant: WasmVariant }> {
  if (prefer === 'relaxed') await enableRelaxedSimdInNode();
  const order: WasmVariant[] = prefer === 'relaxed' ? ['relaxed', 'simd'] : ['simd'];
  for (const variant of order) {
    const name = artefactName(variant, shared);
    const cached = moduleCache.get(name);
    if (cached) return { module: cached, variant };
    const bytes = await readArtefact(name);
    if (!WebAssembly.validate(bytes)) continue;
    const module = await WebAssembly.compile(bytes);
    moduleCache.set(name, module);
    return { module, variant };
  }
  throw new Error('this JavaScript runtime lacks WebAssembly SIMD; use the reference backend');
}

/**
 * Node 20 implements relaxed SIMD behind a V8 flag (on by default from Node 22, Chrome 114). V8 flags are
 * process-wide and read when a module is validated, so setting it before the first compile is enough, and
 * worker threads see it too.
 */
async function enableRelaxedSimdInNode(): Promise<void> {
  if (!isNode()) return;
  const { setFlagsFromString } = await nodeBuiltin<typeof import('node:v8')>('node:v8');
  setFlagsFromString('--experimental-wasm-relaxed-simd');
}

/** Instantiates the kernel module on a memory. */
export async function instantiateKernels(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

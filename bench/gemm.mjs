// GEMM GFLOP/s of the digits kernels at the given shapes and thread count. Prints one JSON object.
import { WasmKernels } from '../dist/kernels/index.js';

const threads = Number(process.argv[2] ?? 1);
const variant = process.argv[3] ?? 'relaxed';
const shapes = process.argv.slice(4).map((s) => s.split(',').map(Number));
const k = await WasmKernels.create(variant, threads);
const out = {};
for (const [M, K, N] of shapes) {
  const h = k.heap;
  const a = h.allocF32(M * K);
  const b = h.allocF32(K * N);
  const c = h.allocF32(M * N);
  h.f32(a, M * K).forEach((_, i, arr) => (arr[i] = Math.random()));
  h.f32(b, K * N).forEach((_, i, arr) => (arr[i] = Math.random()));
  for (let i = 0; i < 5; i++) k.gemm(false, false, M, N, K, a, b, c, false, 0, false);
  let reps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 500) {
    k.gemm(false, false, M, N, K, a, b, c, false, 0, false);
    reps++;
  }
  out[`${M},${K},${N}`] = (2 * M * N * K) / (((performance.now() - t0) / 1000 / reps) * 1e9);
}
await k.dispose();
console.log(JSON.stringify({ variant: k.name, threads, gflops: out }));

// MNIST training images and labels from the server that serves the bench (GET /api/mnist/train).
export interface Mnist {
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

export async function mnistTrain(count: number): Promise<Mnist> {
  const res = await fetch(`/api/mnist/train?count=${count}`);
  if (!res.ok) throw new Error(`MNIST: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const n = Number(res.headers.get('x-count'));
  return { count: n, images: bytes.subarray(0, n * 784), labels: bytes.subarray(n * 784) };
}

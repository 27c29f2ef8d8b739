"""SGEMM GFLOP/s with numpy + OpenBLAS at the shapes digits benchmarks. Thread count via OPENBLAS_NUM_THREADS.
Prints one JSON object: {"M,K,N": gflops, ...}. Shapes come as argv triples "M,K,N"."""
import json
import sys
import time

import numpy as np

out = {}
for spec in sys.argv[1:]:
    m, k, n = (int(v) for v in spec.split(","))
    a = np.random.rand(m, k).astype(np.float32)
    b = np.random.rand(k, n).astype(np.float32)
    for _ in range(5):
        a @ b
    reps = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 0.5:
        a @ b
        reps += 1
    s = (time.perf_counter() - t0) / reps
    out[spec] = 2 * m * n * k / s / 1e9
print(json.dumps(out))

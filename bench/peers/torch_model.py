"""digits' presets in PyTorch (CPU), trained as digits trains them: Adam (lr 1e-3, eps 1e-7), batch 128.
- mlp: the seed MLP, 784-512(ReLU, Dropout .2)-512(ReLU, Dropout .2)-10;
- cnn: Keras's MNIST convnet, Conv 32 3x3 ReLU, MaxPool 2, Conv 64 3x3 ReLU, MaxPool 2, Flatten, Dropout .5, Dense 10;
- cnn-best: Conv 3x3, Conv 3x3, Conv 5x5 stride 2 (32, then 64 filters; each ReLU then BatchNorm with Keras's
  momentum .99 and eps 1e-3; Dropout .4 after each stage), Conv 4x4 128 + BatchNorm, Flatten, Dropout .4, Dense 10.
Usage: torch_model.py MNIST_DIR EPOCHS THREADS [mlp|cnn|cnn-best]. Reads the IDX files digits embeds; prints one JSON
object with seconds per epoch, test accuracy, 10k-image inference ms, single-image latency and peak RSS (MB)."""
import json
import resource
import sys
import time

import numpy as np
import torch
from torch import nn


def idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


root = sys.argv[1]
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2)
torch.manual_seed(0)
arch = sys.argv[4] if len(sys.argv) > 4 else "mlp"
shape = (-1, 784) if arch == "mlp" else (-1, 1, 28, 28)
x_train = torch.from_numpy(idx(f"{root}/train-images-idx3-ubyte").reshape(shape).copy())
y_train = torch.from_numpy(idx(f"{root}/train-labels-idx1-ubyte").astype(np.int64))
x_test = torch.from_numpy(idx(f"{root}/t10k-images-idx3-ubyte").reshape(shape).copy()).float() / 255
y_test = torch.from_numpy(idx(f"{root}/t10k-labels-idx1-ubyte").astype(np.int64))

if arch == "mlp":
    model = nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(512, 10),
    )
elif arch == "cnn-best":
    def conv_bn(cin, cout, size, stride=1):
        # Keras "same" padding for the stride-2 5x5 convolutions: 24 -> 12 and 8 -> 4, as here with padding 2.
        pad = 2 if stride > 1 else 0
        return [nn.Conv2d(cin, cout, size, stride, pad), nn.ReLU(), nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)]

    model = nn.Sequential(
        *conv_bn(1, 32, 3), *conv_bn(32, 32, 3), *conv_bn(32, 32, 5, 2), nn.Dropout(0.4),
        *conv_bn(32, 64, 3), *conv_bn(64, 64, 3), *conv_bn(64, 64, 5, 2), nn.Dropout(0.4),
        *conv_bn(64, 128, 4), nn.Flatten(), nn.Dropout(0.4), nn.Linear(128, 10),
    )
else:
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
    )
for m in model:
    if isinstance(m, (nn.Linear, nn.Conv2d)):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
loss_fn = nn.CrossEntropyLoss()
epoch_seconds = []
for epoch in range(epochs):
    model.train()
    t0 = time.perf_counter()
    perm = torch.randperm(len(x_train))
    for i in range(0, len(x_train), 128):
        idx_b = perm[i : i + 128]
        xb = x_train[idx_b].float() / 255
        opt.zero_grad()
        loss = loss_fn(model(xb), y_train[idx_b])
        loss.backward()
        opt.step()
    epoch_seconds.append(time.perf_counter() - t0)
model.eval()
with torch.no_grad():
    model(x_test)
    t0 = time.perf_counter()
    pred = model(x_test).argmax(1)
    infer_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    for i in range(200):
        model(x_test[i : i + 1])
    single_us = (time.perf_counter() - t0) / 200 * 1e6
print(json.dumps({
    "epoch_seconds": epoch_seconds,
    "test_accuracy": (pred == y_test).float().mean().item(),
    "inference_10k_ms": infer_ms,
    "single_image_us": single_us,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))

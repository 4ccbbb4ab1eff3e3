#!/usr/bin/env python3
"""Writes NeuroSim's VGG-8 for 3x32x32 inputs (conv 128-128, pool, 256-256, pool, 512-512, pool,
fc 8192-1024, fc 1024-10) with seeded random float weights: a network no shipped data set fits,
for `xbarsim cost` (docs/benchmarks.md). Standard library only.
Usage: scripts/make_vgg8_cifar.py OUT_DIR   -> OUT_DIR/vgg8_cifar.json + vgg8_cifar.safetensors"""
import json
import os
import random
import struct
import sys


def main(out_dir):
    rng = random.Random(1)
    layers, tensors = [], {}

    def conv(name, inp, cin, cout):
        layers.append({"name": name, "type": "conv2d", "inputs": [inp], "in_channels": cin,
                       "out_channels": cout, "kernel_size": 3, "stride": 1, "padding": 1,
                       "weight": name + ".weight", "bias": name + ".bias"})
        tensors[name + ".weight"], tensors[name + ".bias"] = [cout, cin, 3, 3], [cout]

    def simple(name, kind, inp, **extra):
        layers.append(dict({"name": name, "type": kind, "inputs": [inp]}, **extra))

    def linear(name, inp, fin, fout):
        layers.append({"name": name, "type": "linear", "inputs": [inp], "in_features": fin,
                       "out_features": fout, "weight": name + ".weight", "bias": name + ".bias"})
        tensors[name + ".weight"], tensors[name + ".bias"] = [fout, fin], [fout]

    x, cin, n = "input", 3, 0
    for stage, channels in enumerate([128, 256, 512], start=1):
        for _ in range(2):
            n += 1
            conv(f"conv{n}", x, cin, channels)
            simple(f"relu{n}", "relu", f"conv{n}")
            x, cin = f"relu{n}", channels
        simple(f"pool{stage}", "maxpool2d", x, kernel_size=2, stride=2, padding=0)
        x = f"pool{stage}"
    simple("flatten", "flatten", x)
    linear("fc1", "flatten", 512 * 4 * 4, 1024)
    simple("relu7", "relu", "fc1")
    linear("fc2", "relu7", 1024, 10)
    os.makedirs(out_dir, exist_ok=True)
    net = {"version": 1, "name": "vgg8_cifar", "input": {"name": "input", "shape": [3, 32, 32]},
           "weights": "vgg8_cifar.safetensors", "layers": layers}
    with open(os.path.join(out_dir, "vgg8_cifar.json"), "w") as f:
        json.dump(net, f, indent=1)
    header, blobs, offset = {}, [], 0
    for name, shape in sorted(tensors.items()):
        count = 1
        for d in shape:
            count *= d
        data = struct.pack(f"<{count}f", *(rng.uniform(-0.1, 0.1) for _ in range(count)))
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(os.path.join(out_dir, "vgg8_cifar.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

#!/usr/bin/env python3
"""Writes CIFAR-shaped networks (3x32x32 inputs, 10 classes) with seeded random float weights, for
speed and cost measurements on networks no shipped data set fits (docs/benchmarks.md):
  vgg8      NeuroSim's VGG-8: conv 128-128, pool, 256-256, pool, 512-512, pool, fc 8192-1024-10
  vgg16     VGG-16 as trained on CIFAR-10: conv 64-64, pool, 128-128, pool, 256x3, pool, 512x3,
            pool, 512x3, pool, fc 512-10
  resnet56  He et al.'s CIFAR ResNet-56: conv 16, 3 stages of 9 basic blocks (16, 32, 64 channels,
            stride 2 into stages 2 and 3, option-A shortcuts: subsample + zero channel padding),
            global average pool, fc 64-10
Weights are He-uniform (bound sqrt(6 / fan_in)), biases zero, so activations keep their scale
through the depth and PTQ sees realistic ranges; accuracy is meaningless. With --images N it also
writes a CIFAR-10 binary test set of N random images (test_batch.bin, random labels) and a training
file of 256 (data_batch_1.bin, for PTQ calibration), which the networks' "dataset" names.
Standard library only.
Usage: scripts/make_cifar_nets.py OUT_DIR [vgg8|vgg16|resnet56 ...] [--images N]
       (no name: vgg8) -> OUT_DIR/<name>_cifar.json + <name>_cifar.safetensors"""
import json
import math
import os
import random
import struct
import sys


class Net:
    def __init__(self):
        self.layers, self.tensors = [], {}

    def conv(self, name, inp, cin, cout, stride=1):
        self.layers.append({"name": name, "type": "conv2d", "inputs": [inp], "in_channels": cin,
                            "out_channels": cout, "kernel_size": 3, "stride": stride, "padding": 1,
                            "weight": name + ".weight", "bias": name + ".bias"})
        self.tensors[name + ".weight"] = ([cout, cin, 3, 3], cin * 9)
        self.tensors[name + ".bias"] = ([cout], 0)
        return name

    def linear(self, name, inp, fin, fout):
        self.layers.append({"name": name, "type": "linear", "inputs": [inp], "in_features": fin,
                            "out_features": fout, "weight": name + ".weight", "bias": name + ".bias"})
        self.tensors[name + ".weight"] = ([fout, fin], fin)
        self.tensors[name + ".bias"] = ([fout], 0)
        return name

    def simple(self, name, kind, inputs, **extra):
        self.layers.append(dict({"name": name, "type": kind, "inputs": inputs}, **extra))
        return name


def vgg(stages, fc):
    n, x, cin, conv = Net(), "input", 3, 0
    for s, (channels, count) in enumerate(stages, start=1):
        for _ in range(count):
            conv += 1
            n.conv(f"conv{conv}", x, cin, channels)
            x, cin = n.simple(f"relu{conv}", "relu", [f"conv{conv}"]), channels
        x = n.simple(f"pool{s}", "maxpool2d", [x], kernel_size=2, stride=2, padding=0)
    x = n.simple("flatten", "flatten", [x])
    fin = cin * (32 >> len(stages)) ** 2
    for i, fout in enumerate(fc, start=1):
        x = n.linear(f"fc{i}", x, fin, fout)
        if i < len(fc):
            x = n.simple(f"fc{i}.relu", "relu", [x])
        fin = fout
    return n


def resnet(blocks):
    n = Net()
    x = n.simple("relu1", "relu", [n.conv("conv1", "input", 3, 16)])
    cin, size = 16, 32
    for stage, channels in enumerate([16, 32, 64], start=1):
        for b in range(blocks):
            p, stride = f"layer{stage}.{b}", 2 if stage > 1 and b == 0 else 1
            h = n.simple(p + ".relu1", "relu", [n.conv(p + ".conv1", x, cin, channels, stride)])
            h = n.conv(p + ".conv2", h, channels, channels)
            skip = x
            if stride != 1 or cin != channels:  # option A: every other pixel, zero channels
                skip = n.simple(p + ".shortcut.subsample", "slice", [x], begin=[0, 0, 0],
                                end=[cin, size, size], step=[1, 2, 2])
                pad = (channels - cin) // 2
                skip = n.simple(p + ".shortcut.pad", "pad", [skip], before=[pad, 0, 0],
                                after=[pad, 0, 0])
                size //= 2
            a = n.simple(p + ".add", "add", [h, skip])
            x, cin = n.simple(p + ".relu2", "relu", [a]), channels
    x = n.simple("avgpool", "avgpool2d", [x], kernel_size=size, stride=size, padding=0)
    x = n.simple("flatten", "flatten", [x])
    n.linear("fc", x, 64, 10)
    return n


NETWORKS = {
    "vgg8": lambda: vgg([(128, 2), (256, 2), (512, 2)], [1024, 10]),
    "vgg16": lambda: vgg([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], [10]),
    "resnet56": lambda: resnet(9),
}


def write_cifar(path, count, rng):
    with open(path, "wb") as f:
        for _ in range(count):
            f.write(bytes([rng.randrange(10)]) + rng.randbytes(3072))


def main(args):
    images = None
    if "--images" in args:
        i = args.index("--images")
        images = int(args[i + 1])
        del args[i:i + 2]
    if not args or any(a not in NETWORKS for a in args[1:]):
        sys.exit(__doc__)
    out_dir, names = args[0], args[1:] or ["vgg8"]
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(1)
    if images is not None:
        write_cifar(os.path.join(out_dir, "test_batch.bin"), images, rng)
        write_cifar(os.path.join(out_dir, "data_batch_1.bin"), 256, rng)
    for name in names:
        n = NETWORKS[name]()
        full = name + "_cifar"
        net = {"version": 1, "name": full, "input": {"name": "input", "shape": [3, 32, 32]},
               "weights": full + ".safetensors", "layers": n.layers}
        if images is not None:
            net["dataset"] = {"name": "random CIFAR-shaped images", "format": "cifar10", "dir": ".",
                              "train": ["data_batch_1.bin"], "test": ["test_batch.bin"]}
        with open(os.path.join(out_dir, full + ".json"), "w") as f:
            json.dump(net, f, indent=1)
        header, blobs, offset = {}, [], 0
        for tensor, (shape, fan_in) in sorted(n.tensors.items()):
            count = math.prod(shape)
            bound = math.sqrt(6.0 / fan_in) if fan_in else 0.0
            data = struct.pack(f"<{count}f", *(rng.uniform(-bound, bound) for _ in range(count)))
            header[tensor] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
            offset += len(data)
            blobs.append(data)
        h = json.dumps(header).encode()
        h += b" " * ((8 - len(h) % 8) % 8)
        with open(os.path.join(out_dir, full + ".safetensors"), "wb") as f:
            f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
        print(f"{full}: {sum(1 for l in n.layers if l['type'] in ('conv2d', 'linear'))} weighted layers, "
              f"{sum(math.prod(s) for s, _ in n.tensors.values())} parameters")


if __name__ == "__main__":
    main(sys.argv[1:])

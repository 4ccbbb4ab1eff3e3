#!/usr/bin/python3
"""Writes the ONNX fixtures of tests/onnx/fixtures (committed, so the tests need no Python).

  /usr/bin/python3 scripts/make_onnx_fixtures.py tests/onnx/fixtures

Needs Debian's python3-torch (1.13) and python3-onnx (1.12). It exports, with torch.onnx at
opset 13, LeNet-5, VGG-8 and ResNet-20 with option-A shortcuts (strided subsample + zero
channel padding, He et al. 2016) and option-B shortcuts (1x1 conv + batch norm), all for
1x28x28 inputs, with random weights and random batch-norm statistics; and it writes a QDQ
LeNet-5 (int8 weights with per-tensor and per-channel power-of-two scales, uint8/int8
activations, an int32 bias, a residual Add) with onnx.helper. reference.safetensors holds the
inputs and what torch computes for them (the float models' logits), and for the QDQ model the
outputs computed here from the ONNX operator definitions in float64 (QuantizeLinear rounds
half to even and saturates).
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
N_INPUTS = 4


def randomize_batchnorm(model, gen):
    """Random affine parameters and running statistics, so folding is exercised."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = 0.5 + torch.rand(c, generator=gen)
            m.bias.data = 0.2 * torch.randn(c, generator=gen)
            m.running_mean.data = 0.2 * torch.randn(c, generator=gen)
            m.running_var.data = 0.5 + torch.rand(c, generator=gen)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class VGG8(nn.Module):
    def __init__(self):
        super().__init__()
        layers, c_in = [], 1
        for i, c in enumerate([32, 32, 64, 64, 96, 96]):
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
            if i % 2 == 1:
                layers.append(nn.MaxPool2d(2))
            c_in = c
        self.features = nn.Sequential(*layers)
        self.fc1 = nn.Linear(96 * 3 * 3, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)  # exports as Shape, Gather, Unsqueeze, Concat, Reshape
        return self.fc2(F.relu(self.fc1(x)))


class BasicBlock(nn.Module):
    def __init__(self, c_in, c_out, stride, option):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.option, self.pad = option, (c_out - c_in) // 2
        self.projection = None
        if (stride != 1 or c_in != c_out) and option == "B":
            self.projection = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
        self.reshape = stride != 1 or c_in != c_out

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if not self.reshape:
            shortcut = x
        elif self.option == "A":
            shortcut = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad), "constant", 0)
        else:
            shortcut = self.projection(x)
        return F.relu(out + shortcut)


class ResNet20(nn.Module):
    def __init__(self, option):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        blocks, c_in = [], 16
        for stage, c in enumerate([16, 32, 64]):
            for b in range(3):
                blocks.append(BasicBlock(c_in, c, 2 if stage > 0 and b == 0 else 1, option))
                c_in = c
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.blocks(F.relu(self.bn1(self.conv1(x))))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)  # exports as GlobalAveragePool
        return self.fc(x)


def export(model, x, path):
    torch.onnx.export(model, x, str(path), opset_version=OPSET, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(str(path)))


# ---- The QDQ model: built node by node, its outputs computed from the operator definitions.

def pot_exponent(max_abs, top):
    """Smallest e with max_abs / 2^e <= top (a power-of-two scale that does not clip)."""
    return int(np.ceil(np.log2(max_abs / top)))


def q(x, e, lo, hi):
    return np.clip(np.rint(x / 2.0**e), lo, hi)  # QuantizeLinear: round half to even, saturate


def conv2d(x, w, b, pad):
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
    cols = np.empty((n, c * kh * kw, oh * ow))
    k = 0
    for ci in range(c):
        for i in range(kh):
            for j in range(kw):
                cols[:, k, :] = xp[:, ci, i:i + oh, j:j + ow].reshape(n, -1)
                k += 1
    y = np.einsum("mk,nkp->nmp", w.reshape(m, -1), cols) + b[None, :, None]
    return y.reshape(n, m, oh, ow)


def maxpool2(x):
    n, c, h, w = x.shape
    return x[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def qdq_lenet(x, rng):
    """conv1 (int8 weights, one scale) -> Q uint8 after ReLU -> max pool -> conv2 (per-channel
    scales) -> Q int8 -> ReLU -> max pool -> fc1 -> Q int8 -> Add with a second branch fc1b ->
    Q int8 -> ReLU -> fc2 (float output: the raw accumulators, dequantized)."""
    nodes, inits = [], []
    vals = {}

    def const(name, arr, dtype):
        inits.append(numpy_helper.from_array(np.asarray(arr, dtype=dtype), name))
        return name

    def qdq(src, e, signed, name):
        """Q then DQ of `src` at scale 2^e; returns the DQ output name and the codes' range."""
        s = const(name + ".scale", np.float32(2.0**e), np.float32)
        z = const(name + ".zero", np.int8(0) if signed else np.uint8(0), np.int8 if signed else np.uint8)
        nodes.append(helper.make_node("QuantizeLinear", [src, s, z], [name + ".q"], name=name + ".quantize"))
        nodes.append(helper.make_node("DequantizeLinear", [name + ".q", s, z], [name], name=name + ".dequantize"))
        return name, (-128, 127) if signed else (0, 255)

    def weight(name, w, per_channel):
        """int8 codes and power-of-two scales of a float weight, as initializer -> DequantizeLinear."""
        axes = tuple(range(1, w.ndim))
        mx = np.abs(w).max(axis=axes) if per_channel else np.abs(w).max()
        e = np.vectorize(lambda m: pot_exponent(m, 127))(mx) if per_channel else pot_exponent(mx, 127)
        scale = 2.0 ** np.asarray(e, dtype=np.float64)
        shape = (-1,) + (1,) * (w.ndim - 1) if per_channel else ()
        codes = np.clip(np.rint(w / scale.reshape(shape)), -127, 127)
        c = const(name + ".codes", codes.astype(np.int8), np.int8)
        s = const(name + ".scale", scale.astype(np.float32), np.float32)
        z = const(name + ".zero", np.zeros(scale.shape, np.int8), np.int8)
        attrs = {"axis": 0} if per_channel else {}
        nodes.append(helper.make_node("DequantizeLinear", [c, s, z], [name], name=name + ".dequantize", **attrs))
        return codes * scale.reshape(shape), np.asarray(e)

    def bias(name, b, in_e, w_e):
        """int32 codes at the accumulator's scale 2^(in_e + w_e), as initializer -> DequantizeLinear."""
        scale = 2.0 ** (in_e + np.broadcast_to(w_e, b.shape).astype(np.float64))
        codes = np.rint(b / scale)
        c = const(name + ".codes", codes.astype(np.int32), np.int32)
        s = const(name + ".scale", scale.astype(np.float32), np.float32)
        z = const(name + ".zero", np.zeros(b.shape, np.int32), np.int32)
        nodes.append(helper.make_node("DequantizeLinear", [c, s, z], [name], name=name + ".dequantize", axis=0))
        return codes * scale

    w1 = rng.normal(0, 0.3, (6, 1, 5, 5))
    w2 = rng.normal(0, 0.1, (16, 6, 5, 5)) * rng.uniform(0.2, 2.0, (16, 1, 1, 1))
    f1 = rng.normal(0, 0.05, (48, 400))
    f1b = rng.normal(0, 0.05, (48, 400))
    f2 = rng.normal(0, 0.15, (10, 48))
    b1, b2, bf1, bf2 = (rng.normal(0, 0.1, n) for n in (6, 16, 48, 10))

    e_in = -8
    x_q = q(x, e_in, 0, 255) * 2.0**e_in
    src, _ = qdq("input", e_in, False, "x")
    w1d, e1 = weight("conv1.w", w1, False)
    b1d = bias("conv1.b", b1, e_in, e1)
    nodes.append(helper.make_node("Conv", [src, "conv1.w", "conv1.b"], ["conv1"], name="conv1", pads=[2, 2, 2, 2]))
    nodes.append(helper.make_node("Relu", ["conv1"], ["relu1"], name="relu1"))
    y = np.maximum(conv2d(x_q, w1d, b1d, 2), 0)
    e_a1 = pot_exponent(y.max(), 255) - 1  # half the range needed: the largest codes saturate
    a1, _ = qdq("relu1", e_a1, False, "a1")
    y = maxpool2(q(y, e_a1, 0, 255) * 2.0**e_a1)
    nodes.append(helper.make_node("MaxPool", [a1], ["pool1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]))

    w2d, e2 = weight("conv2.w", w2, True)
    b2d = bias("conv2.b", b2, e_a1, e2)
    nodes.append(helper.make_node("Conv", ["pool1", "conv2.w", "conv2.b"], ["conv2"], name="conv2"))
    y = conv2d(y, w2d, b2d, 0)
    e_a2 = pot_exponent(np.abs(y).max(), 127)
    a2, _ = qdq("conv2", e_a2, True, "a2")
    y = q(y, e_a2, -128, 127) * 2.0**e_a2
    nodes.append(helper.make_node("Relu", [a2], ["relu2"], name="relu2"))
    nodes.append(helper.make_node("MaxPool", ["relu2"], ["pool2"], name="pool2", kernel_shape=[2, 2], strides=[2, 2]))
    nodes.append(helper.make_node("Flatten", ["pool2"], ["flat"], name="flatten", axis=1))
    y = maxpool2(np.maximum(y, 0)).reshape(len(x), -1)

    outs = []
    for name, w, b in (("fc1", f1, bf1), ("fc1b", f1b, bf1[::-1].copy())):
        wd, e = weight(name + ".w", w, False)
        bd = bias(name + ".b", b, e_a2, e)
        nodes.append(helper.make_node("Gemm", ["flat", name + ".w", name + ".b"], [name], name=name, transB=1))
        z = y @ wd.T + bd
        e_z = pot_exponent(np.abs(z).max(), 127)
        zq, _ = qdq(name, e_z, True, name + ".a")
        outs.append((zq, q(z, e_z, -128, 127) * 2.0**e_z))
    nodes.append(helper.make_node("Add", [outs[0][0], outs[1][0]], ["sum"], name="add"))
    s = outs[0][1] + outs[1][1]
    e_s = pot_exponent(np.abs(s).max(), 127) - 1  # some sums saturate
    sq, _ = qdq("sum", e_s, True, "sum.a")
    s = np.maximum(q(s, e_s, -128, 127) * 2.0**e_s, 0)
    nodes.append(helper.make_node("Relu", [sq], ["relu3"], name="relu3"))
    wd, e = weight("fc2.w", f2, False)
    bd = bias("fc2.b", bf2, e_s, e)
    nodes.append(helper.make_node("Gemm", ["relu3", "fc2.w", "fc2.b"], ["logits"], name="fc2", transB=1))
    logits = s @ wd.T + bd

    graph = helper.make_graph(
        nodes, "lenet5_qdq",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="xbarsim fixtures")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model, logits


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64"}[arr.dtype]
        data = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/onnx/fixtures")
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(20261201)
    gen = torch.Generator().manual_seed(7)
    x = torch.rand(N_INPUTS, 1, 28, 28, generator=gen)
    ref = {"inputs": x.numpy()}
    for name, model in (("lenet5", LeNet5()), ("vgg8", VGG8()), ("resnet20a", ResNet20("A")),
                        ("resnet20b", ResNet20("B"))):
        randomize_batchnorm(model, gen)
        model.eval()
        export(model, x, out / f"{name}.onnx")
        with torch.no_grad():
            ref[f"{name}.logits"] = model(x).numpy()
    model, logits = qdq_lenet(x.double().numpy(), np.random.default_rng(11))
    onnx.save(model, str(out / "lenet5_qdq.onnx"))
    ref["lenet5_qdq.logits"] = logits
    write_safetensors(out / "reference.safetensors", ref)
    print(f"wrote {', '.join(sorted(p.name for p in out.iterdir()))} to {out}")


if __name__ == "__main__":
    main()

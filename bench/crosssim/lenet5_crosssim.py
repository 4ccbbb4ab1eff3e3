#!/usr/bin/env python3
"""Run xbarsim's shipped int8 LeNet-5 through CrossSim 3.2 at an ISAAC-like setting.

The network (layers, integer weights, biases, power-of-two scales) is read from
xbarsim's workload JSON and its safetensors file; the conv2d/linear layers are
simulated by CrossSim's PyTorch layers (AnalogConv2d/AnalogLinear, converted
with simulator.algorithms.dnn.torch.convert.from_torch); everything digital
(bias, rounding shift, clip, ReLU, max-pool, flatten) follows xbarsim's integer
contract (docs/formats.md, "Layer quantization").  See README.md in this folder
for the parameter mapping and the differences between the two models.

Usage (from the xbarsim repository root):
  python3 bench/crosssim/lenet5_crosssim.py --crosssim /tmp/cross-sim --images 100

Prints the accuracy, the agreement with the integer reference (optional) and
the wall time of each phase; the last line is machine-readable ("RESULT ...").
"""

import argparse
import os
import sys
import time

T_START = time.perf_counter()

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="LeNet-5 int8 (xbarsim zoo) on CrossSim at an ISAAC-like setting",
    )
    p.add_argument("--crosssim", default=os.environ.get("CROSSSIM_DIR", "/tmp/cross-sim"),
                   help="CrossSim source tree (put on sys.path; not installed)")
    p.add_argument("--workload", default=os.path.join(REPO, "workloads/zoo/lenet5_int8.json"),
                   help="xbarsim network JSON (quantized conv2d/linear/relu/maxpool2d/flatten chain)")
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist",
                   help="folder of the Fashion-MNIST IDX files")
    p.add_argument("--images", type=int, default=100, help="first N test images (0 = all 10,000)")
    p.add_argument("--batch", type=int, default=100, help="images per CrossSim forward call")
    p.add_argument("--threads", type=int, default=2,
                   help="BLAS/OpenMP threads (set before numpy loads) and torch.set_num_threads")
    p.add_argument("--variation", choices=["off", "on"], default="off",
                   help="on: relative Gaussian write error (CrossSim NormalProportionalDevice) "
                        "and a finite on/off ratio, as xbarsim's rram_like device")
    p.add_argument("--sigma", type=float, default=0.1, help="write-error sigma with --variation on")
    p.add_argument("--on-off", type=float, default=17.0,
                   help="Gmax/Gmin with --variation on (rram_like: 166.67 uS / 9.804 uS = 17)")
    p.add_argument("--seed", type=int, default=1, help="numpy seed of CrossSim's programming error")
    p.add_argument("--rows", type=int, default=128, help="array rows (CrossSim core.rows_max)")
    p.add_argument("--cols-max", type=int, default=31,
                   help="output channels per array (core.cols_max); 31 = xbarsim's offset layout "
                        "on 128 columns: floor((128 - 1 reference) / 4 slices)")
    p.add_argument("--cell-bits", type=int, default=2)
    p.add_argument("--adc-bits", type=int, default=8, help="0 = ideal ADC")
    p.add_argument("--offset", choices=["column", "digital"], default="column",
                   help="column: CrossSim UNIT_COLUMN_SUBTRACTION (xbarsim offset_reference=column); "
                        "digital: DIGITAL_OFFSET (xbarsim offset_reference=digital)")
    p.add_argument("--adc-range", choices=["calibrated", "max", "file"], default="calibrated",
                   help="calibrated: profile the ADC inputs (CrossSim's profile_adc_inputs) on "
                        "--calibration-images training images and set CALIBRATED ranges; "
                        "max: CrossSim's MAX option (no calibration); "
                        "file: CALIBRATED ranges from --ranges-file (from --save-ranges)")
    p.add_argument("--adc-step", choices=["pow2", "free"], default="pow2",
                   help="calibrated: pow2 = the range is 255 x (one cell level x 2^k), the smallest "
                        "power-of-two step that covers the profiled maximum (xbarsim's rule); "
                        "free = the range is the profiled maximum itself")
    p.add_argument("--adc-percentile", type=float, default=100.0,
                   help="calibrated: percentile of the profiled readings the range covers")
    p.add_argument("--calibration-images", type=int, default=64,
                   help="calibrated: seeded random training images profiled")
    p.add_argument("--ranges-file", default="", help="--adc-range file: JSON written by --save-ranges")
    p.add_argument("--save-ranges", default="", help="write the ADC ranges used to this JSON file")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                   help="dtype of the CrossSim layers (CrossSim/PyTorch default float32)")
    p.add_argument("--check", action="store_true",
                   help="also compute the integer reference in numpy and report how many "
                        "logit vectors CrossSim reproduces exactly")
    p.add_argument("--json", default="", help="write the results as JSON to this file")
    return p.parse_args(argv)


ARGS = parse_args()

# Thread counts must be fixed before numpy (OpenBLAS) and torch load.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "BLIS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)

import gzip  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import struct  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(ARGS.threads)
sys.path.insert(0, os.path.abspath(ARGS.crosssim))
warnings.filterwarnings("ignore")

from simulator import CrossSimParameters  # noqa: E402
from simulator.algorithms.dnn.torch.convert import (  # noqa: E402
    analog_modules,
    convertible_modules,
    from_torch,
)

T_IMPORTED = time.perf_counter()


# --------------------------------------------------------------------------
# xbarsim workload: JSON + safetensors (parsed here with numpy)
# --------------------------------------------------------------------------

_ST_DTYPES = {"F32": "<f4", "F64": "<f8", "I8": "i1", "I16": "<i2", "I32": "<i4",
              "I64": "<i8", "U8": "u1"}


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + hlen].decode("utf-8"))
    base = 8 + hlen
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        arr = np.frombuffer(blob[base + start:base + end], dtype=_ST_DTYPES[info["dtype"]])
        tensors[name] = arr.reshape(info["shape"]).copy()
    return tensors


def load_workload(path):
    with open(path) as f:
        net = json.load(f)
    if "quantization" not in net:
        raise SystemExit(f"{path}: not a quantized workload (no top-level 'quantization')")
    wpath = net["weights"]
    if not os.path.isabs(wpath):
        wpath = os.path.join(os.path.dirname(os.path.abspath(path)), wpath)
    tensors = read_safetensors(wpath)

    q = net["quantization"]
    if q.get("input_signed", False):
        raise SystemExit("signed network inputs are not supported by this driver")
    if q.get("rounding", "half_up") != "half_up":
        raise SystemExit("only rounding=half_up is supported by this driver")

    layers = net["layers"]
    readers = {}
    for lay in layers:
        for src in lay.get("inputs", []):
            readers.setdefault(src, []).append(lay)

    prev = net["input"].get("name", "input")
    exp_in = q["input_scale_exp"]  # scale exponent of the tensor entering the next layer
    plan = []
    for lay in layers:
        ins = lay.get("inputs", [prev])
        if ins != [prev]:
            raise SystemExit(f"layer {lay['name']}: only a plain chain of layers is supported")
        t = lay["type"]
        if t in ("conv2d", "linear"):
            lq = lay["quantization"]
            w = tensors[lq["weight"]].astype(np.int64)
            if isinstance(lq["weight_scale_exp"], list):
                raise SystemExit(f"layer {lay['name']}: per-channel weight scales not supported")
            exp_w = lq["weight_scale_exp"]
            bias = tensors[lq["bias"]].astype(np.int64) if "bias" in lq else np.zeros(w.shape[0], np.int64)
            step = {"type": t, "name": lay["name"], "w": w, "bias": bias,
                    "weight_bits": lq["weight_bits"]}
            if t == "conv2d":
                k = lay["kernel_size"]
                s = lay.get("stride", 1)
                pd = lay.get("padding", 0)
                for v in (k, s, pd):
                    if isinstance(v, list) and v[0] != v[1]:
                        raise SystemExit(f"layer {lay['name']}: non-square kernel/stride/padding")
                step.update(kernel=k if isinstance(k, int) else k[0],
                            stride=s if isinstance(s, int) else s[0],
                            padding=pd if isinstance(pd, int) else pd[0])
            if "output_bits" in lq:
                bits = lq["output_bits"]
                shift = lq["output_scale_exp"] - exp_in - exp_w
                all_relu = all(r["type"] == "relu" for r in readers.get(lay["name"], [])) \
                    and readers.get(lay["name"])
                lo, hi = (0, 2 ** bits - 1) if all_relu else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
                step.update(shift=shift, lo=lo, hi=hi)
                exp_in = lq["output_scale_exp"]
            else:
                step.update(shift=None)
            plan.append(step)
        elif t == "relu":
            plan.append({"type": "relu", "name": lay["name"]})
        elif t == "maxpool2d":
            k = lay["kernel_size"]
            plan.append({"type": "maxpool2d", "name": lay["name"], "kernel": k,
                         "stride": lay.get("stride", k), "padding": lay.get("padding", 0)})
        elif t == "flatten":
            plan.append({"type": "flatten", "name": lay["name"]})
        else:
            raise SystemExit(f"layer {lay['name']}: type {t} not supported by this driver")
        prev = lay["name"]
    return net, plan


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


def input_codes(pixels, net):
    """x_int = clip(floor(x / 2^e + 1/2), 0, 2^bits - 1), x = (pixel*scale - mean)/std."""
    norm = net.get("dataset", {}).get("normalization", {})
    scale = norm.get("scale", 1.0 / 255.0)
    mean = norm.get("mean", [0.0])
    std = norm.get("std", [1.0])
    if len(mean) != 1 or len(std) != 1:
        raise SystemExit("per-channel normalisation is not supported by this driver")
    q = net["quantization"]
    x = (pixels.astype(np.float64) * scale - mean[0]) / std[0]
    codes = np.floor(x / 2.0 ** q["input_scale_exp"] + 0.5)
    return np.clip(codes, 0, 2 ** q["input_bits"] - 1)


def round_shift(acc, shift):
    """xbarsim's round_shift with ties up: floor(acc / 2^s + 1/2)."""
    if shift > 0:
        return np.floor((acc + 2.0 ** (shift - 1)) / 2.0 ** shift)
    return acc * 2.0 ** (-shift)


# --------------------------------------------------------------------------
# The network as a torch module: analog conv/linear + xbarsim's digital steps
# --------------------------------------------------------------------------

class Requant(torch.nn.Module):
    """acc = round(analog MVM result) + bias; then round_shift and clip (if quantized)."""

    def __init__(self, bias, shift, lo, hi):
        super().__init__()
        self.bias = torch.tensor(bias, dtype=torch.float64)
        self.shift, self.lo, self.hi = shift, lo, hi

    def forward(self, y):
        # xbarsim's accumulator rounds the shift-and-add sum half up to an integer
        acc = torch.floor(y.to(torch.float64) + 0.5)
        shape = [1, -1] + [1] * (acc.dim() - 2)
        acc = acc + self.bias.view(shape)
        if self.shift is None:
            return acc  # output layer: int accumulators (logits)
        if self.shift > 0:
            out = torch.floor((acc + 2.0 ** (self.shift - 1)) / 2.0 ** self.shift)
        else:
            out = acc * 2.0 ** (-self.shift)
        return torch.clamp(out, self.lo, self.hi)


class ToDtype(torch.nn.Module):
    def __init__(self, dtype):
        super().__init__()
        self.dtype = dtype

    def forward(self, x):
        return x.to(self.dtype)


def build_torch_model(plan, dtype):
    mods = []
    for st in plan:
        t = st["type"]
        if t in ("conv2d", "linear"):
            w = torch.tensor(st["w"], dtype=dtype)
            if t == "conv2d":
                m = torch.nn.Conv2d(w.shape[1], w.shape[0], st["kernel"], stride=st["stride"],
                                    padding=st["padding"], bias=False, dtype=dtype)
            else:
                m = torch.nn.Linear(w.shape[1], w.shape[0], bias=False, dtype=dtype)
            with torch.no_grad():
                m.weight.copy_(w)
            mods += [ToDtype(dtype), m, Requant(st["bias"], st["shift"], st.get("lo"), st.get("hi"))]
        elif t == "relu":
            mods.append(torch.nn.ReLU())
        elif t == "maxpool2d":
            mods.append(torch.nn.MaxPool2d(st["kernel"], st["stride"], st["padding"]))
        elif t == "flatten":
            mods.append(torch.nn.Flatten())
    return torch.nn.Sequential(*mods).eval()


# --------------------------------------------------------------------------
# CrossSim parameters
# --------------------------------------------------------------------------

def level_unit(args):
    """One cell level in CrossSim's normalised current units (G/Gmax, one input bit on)."""
    gmin = 1.0 / args.on_off if args.variation == "on" else 0.0
    return (1.0 - gmin) / (2 ** args.cell_bits - 1)


def crosssim_params(args, weight_bits, adc_range=None, profile_images=0):
    """CrossSimParameters for one layer.

    adc_range: (lo, hi) in normalised current for --adc-range calibrated/file,
    None with --adc-range max; profile_images > 0: ADC off, ADC inputs profiled.
    """
    p = CrossSimParameters()
    nslices = -(-weight_bits // args.cell_bits)

    # Mapping: bit-sliced weights, each slice an offset-encoded (unsigned) array
    p.core.style = "BITSLICED"
    p.core.bit_sliced.style = "OFFSET"
    p.core.bit_sliced.num_slices = nslices
    p.core.weight_bits = weight_bits
    p.core.offset.style = "UNIT_COLUMN_SUBTRACTION" if args.offset == "column" else "DIGITAL_OFFSET"
    p.core.rows_max = args.rows
    p.core.cols_max = args.cols_max
    # Weights are the integer codes themselves: fixed range +-(2^(b-1)-1), no percentile
    # scaling, so CrossSim's rint(w / max * (2^(b-1)-1)) + 2^(b-1) is exactly w + 2^(b-1).
    wmax = float(2 ** (weight_bits - 1) - 1)
    p.core.mapping.weights.percentile = None
    p.core.mapping.weights.min = -wmax
    p.core.mapping.weights.max = wmax
    p.core.mapping.weights.clipping = True

    # Device
    p.xbar.device.cell_bits = args.cell_bits
    if args.variation == "on":
        p.xbar.device.infinite_on_off_ratio = False
        p.xbar.device.Rmin = 6000.0  # rram_like: Gmax 166.67 uS
        p.xbar.device.Rmax = 6000.0 * args.on_off  # rram_like: Gmin 9.804 uS (on/off 17)
        p.xbar.device.programming_error.enable = True
        p.xbar.device.programming_error.model = "NormalProportionalDevice"
        p.xbar.device.programming_error.magnitude = args.sigma
    else:
        p.xbar.device.infinite_on_off_ratio = True  # xbarsim's ideal device: Gmin = 0

    # Inputs: unsigned 8-bit codes, bit-serial (1-bit DAC), range [0, 2^8 - 1]
    p.xbar.dac.mvm.model = "QuantizerDAC"
    p.xbar.dac.mvm.signed = False
    p.xbar.dac.mvm.bits = args.input_bits
    p.xbar.dac.mvm.input_bitslicing = True
    p.xbar.dac.mvm.slice_size = 1
    p.core.mapping.inputs.mvm.percentile = None
    p.core.mapping.inputs.mvm.min = 0.0
    p.core.mapping.inputs.mvm.max = float(2 ** args.input_bits - 1)

    # ADC: unipolar uniform quantizer, one conversion per input bit and per slice column
    p.xbar.adc.mvm.model = "QuantizerADC"
    p.xbar.adc.mvm.signed = False
    p.xbar.adc.mvm.adc_per_ibit = True
    if profile_images > 0 or args.adc_bits == 0:
        p.xbar.adc.mvm.bits = 0
    else:
        p.xbar.adc.mvm.bits = args.adc_bits
        if adc_range is None:
            p.xbar.adc.mvm.adc_range_option = "MAX"
        else:
            p.xbar.adc.mvm.adc_range_option = "CALIBRATED"
            p.xbar.adc.mvm.calibrated_range = np.array([list(adc_range)] * nslices, dtype=np.float64)

    if profile_images > 0:
        p.simulation.analytics.profile_adc_inputs = True
        p.simulation.analytics.ntest = profile_images

    p.simulation.useGPU = False
    p.validate()
    return p


def analog_steps(plan):
    return [st for st in plan if st["type"] in ("conv2d", "linear")]


def build_crosssim_model(args, plan, dtype, ranges=None, profile_images=0):
    steps = analog_steps(plan)
    params = []
    for st in steps:
        r = None if ranges is None else ranges[st["name"]]
        params.append(crosssim_params(args, st["weight_bits"], r, profile_images))
    model = build_torch_model(plan, dtype)
    if len(convertible_modules(model)) != len(params):
        raise SystemExit("internal error: layer count mismatch")
    # Same seed for every build, so a calibration build and the final build
    # program identical conductances (ADC settings draw no random numbers).
    np.random.seed(args.seed)
    return from_torch(model, params, bias_rows=0).eval()


def run_model(model, codes, batch, dtype):
    outs = []
    with torch.no_grad():
        for i in range(0, codes.shape[0], batch):
            x = torch.tensor(codes[i:i + batch], dtype=dtype)
            outs.append(model(x).numpy())
    return np.concatenate(outs, axis=0)


def calibrate(args, plan, dtype, net):
    """Profile ADC inputs with the ADC off, derive one (0, hi) range per layer."""
    train = read_idx(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz"))
    rng = np.random.default_rng(args.seed)  # independent of CrossSim's global RNG
    idx = np.sort(rng.choice(train.shape[0], size=args.calibration_images, replace=False))
    codes = input_codes(train[idx], net)[:, None, :, :]
    # CrossSim sizes its profiling buffer for the layer's outputs only, but with
    # UNIT_COLUMN_SUBTRACTION every array also converts its unit (reference)
    # column; twice the images leaves room for it, and only the filled part
    # of each buffer is read below.
    slots = 2 * args.calibration_images if args.offset == "column" else args.calibration_images
    model = build_crosssim_model(args, plan, dtype, profile_images=slots)
    run_model(model, codes, args.calibration_images, dtype)
    profiled = []
    for layer in analog_modules(model):
        core = layer.core.core  # the layer's AnalogCore
        parts = [np.asarray(sub.adc_inputs[:, :, :sub.last_adc_input]).ravel()
                 for row in core.cores for sub in row]
        profiled.append(np.concatenate(parts))
    unit = level_unit(args)
    ranges, info = {}, {}
    for st, prof in zip(analog_steps(plan), profiled):
        vals = np.asarray(prof).ravel()
        top = float(np.percentile(vals, args.adc_percentile)) if args.adc_percentile < 100 \
            else float(vals.max())
        top = max(top, unit)  # at least one level
        levels = 2 ** args.adc_bits - 1
        if args.adc_step == "pow2":
            k = int(np.ceil(np.log2(top / (levels * unit)) - 1e-12))
            step = unit * 2.0 ** k
            hi = levels * step
        else:
            hi = top
            step = hi / levels
        ranges[st["name"]] = (0.0, hi)
        info[st["name"]] = {"max_reading_levels": top / unit, "range_levels": hi / unit,
                            "step_levels": step / unit}
    del model
    return ranges, info


# --------------------------------------------------------------------------
# Integer reference (numpy), for --check
# --------------------------------------------------------------------------

def reference_logits(plan, codes):
    x = codes.astype(np.float64)
    for st in plan:
        t = st["type"]
        if t == "conv2d":
            k, s, pd = st["kernel"], st["stride"], st["padding"]
            x = np.pad(x, ((0, 0), (0, 0), (pd, pd), (pd, pd)))
            n, c, h, w = x.shape
            ho, wo = (h - k) // s + 1, (w - k) // s + 1
            cols = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::s, ::s]
            cols = cols.transpose(0, 2, 3, 1, 4, 5).reshape(n, ho, wo, c * k * k)
            acc = cols @ st["w"].reshape(st["w"].shape[0], -1).T.astype(np.float64)
            acc = acc.transpose(0, 3, 1, 2) + st["bias"][None, :, None, None]
        elif t == "linear":
            acc = x @ st["w"].T.astype(np.float64) + st["bias"][None, :]
        elif t == "relu":
            x = np.maximum(x, 0)
            continue
        elif t == "maxpool2d":
            k, s, pd = st["kernel"], st["stride"], st["padding"]
            xp_ = np.pad(x, ((0, 0), (0, 0), (pd, pd), (pd, pd)), constant_values=-np.inf)
            win = np.lib.stride_tricks.sliding_window_view(xp_, (k, k), axis=(2, 3))[:, :, ::s, ::s]
            x = win.max(axis=(4, 5))
            continue
        elif t == "flatten":
            x = x.reshape(x.shape[0], -1)
            continue
        if st["shift"] is None:
            x = acc
        else:
            x = np.clip(round_shift(acc, st["shift"]), st["lo"], st["hi"])
    return x


# --------------------------------------------------------------------------

def blas_library():
    try:
        with open("/proc/self/maps") as f:
            libs = {ln.split()[-1] for ln in f
                    if "/" in ln and re.search(r"(open)?blas[^/]*\.so", ln.split()[-1].rsplit("/", 1)[-1])
                    and "dist-packages" not in ln}
        return ", ".join(sorted(libs)) or "unknown"
    except OSError:
        return "unknown"


def crosssim_version(path):
    version = commit = "unknown"
    try:
        with open(os.path.join(path, "pyproject.toml")) as f:
            m = re.search(r'^version\s*=\s*"([^"]+)"', f.read(), re.M)
            version = m.group(1) if m else version
    except OSError:
        pass
    try:
        import subprocess
        commit = subprocess.run(["git", "-C", path, "rev-parse", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return version, commit


def main(args):
    dtype = torch.float32 if args.dtype == "float32" else torch.float64
    net, plan = load_workload(args.workload)
    args.input_bits = net["quantization"]["input_bits"]

    images = read_idx(os.path.join(args.data_dir, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(args.data_dir, "t10k-labels-idx1-ubyte.gz"))
    n = images.shape[0] if args.images <= 0 else min(args.images, images.shape[0])
    codes = input_codes(images[:n], net)[:, None, :, :]
    labels = labels[:n].astype(np.int64)
    t_loaded = time.perf_counter()

    ranges, range_info = None, {}
    if args.adc_bits > 0 and args.adc_range == "calibrated":
        ranges, range_info = calibrate(args, plan, dtype, net)
    elif args.adc_bits > 0 and args.adc_range == "file":
        with open(args.ranges_file) as f:
            saved = json.load(f)
        ranges = {k: tuple(v["range"]) for k, v in saved["layers"].items()}
        range_info = {k: {kk: vv for kk, vv in v.items() if kk != "range"}
                      for k, v in saved["layers"].items()}
    t_cal = time.perf_counter()

    model = build_crosssim_model(args, plan, dtype, ranges=ranges)
    t_built = time.perf_counter()
    logits = run_model(model, codes, args.batch, dtype)
    t_run = time.perf_counter()

    pred = logits.argmax(axis=1)
    acc = float(np.mean(pred == labels))
    result = {
        "tool": "CrossSim",
        "workload": os.path.relpath(args.workload, REPO),
        "images": int(n),
        "accuracy": acc,
        "setting": {
            "rows": args.rows, "cols_max": args.cols_max, "cell_bits": args.cell_bits,
            "weight_bits": [st["weight_bits"] for st in analog_steps(plan)],
            "input_bits": args.input_bits, "dac_bits": 1, "adc_bits": args.adc_bits,
            "adc_per_input_bit": True, "adc_range": args.adc_range, "adc_step": args.adc_step,
            "offset": args.offset, "variation": args.variation,
            "sigma": args.sigma if args.variation == "on" else 0.0,
            "on_off": args.on_off if args.variation == "on" else None,
            "seed": args.seed, "dtype": args.dtype, "batch": args.batch,
            "threads": args.threads,
        },
        "adc_ranges": {k: {"range": list(ranges[k]), **range_info.get(k, {})}
                       for k in (ranges or {})},
        "time_s": {
            "import": T_IMPORTED - T_START,
            "load_data": t_loaded - T_IMPORTED,
            "calibration": t_cal - t_loaded,
            "build_program": t_built - t_cal,
            "inference": t_run - t_built,
            "script_total": t_run - T_START,
        },
        "crosssim": dict(zip(("version", "commit"), crosssim_version(os.path.abspath(args.crosssim))),
                         dir=os.path.abspath(args.crosssim)),
        "blas": blas_library(),
        "torch": torch.__version__, "numpy": np.__version__,
    }
    if args.check:
        ref = reference_logits(plan, codes)
        result["reference_accuracy"] = float(np.mean(ref.argmax(axis=1) == labels))
        result["exact_logits_fraction"] = float(np.mean(np.all(ref == logits, axis=1)))
        result["same_class_fraction"] = float(np.mean(ref.argmax(axis=1) == pred))

    if args.save_ranges and ranges is not None:
        with open(args.save_ranges, "w") as f:
            json.dump({"unit": "CrossSim normalised current (G/Gmax x input bit)",
                       "level_unit": level_unit(args),
                       "layers": result["adc_ranges"], "setting": result["setting"]}, f, indent=1)

    t = result["time_s"]
    cs = result["crosssim"]
    print(f"CrossSim {cs['version']} ({cs['commit'][:12]}) LeNet-5 int8: {n} images, "
          f"accuracy {100 * acc:.2f} %")
    if args.check:
        print(f"  integer reference {100 * result['reference_accuracy']:.2f} %, "
              f"exact logits {100 * result['exact_logits_fraction']:.2f} %, "
              f"same class {100 * result['same_class_fraction']:.2f} %")
    for name, r in result["adc_ranges"].items():
        extra = ""
        if "step_levels" in r:
            extra = (f" = {r['range_levels']:.4g} levels, step {r['step_levels']:.4g} levels, "
                     f"profiled max {r['max_reading_levels']:.4g} levels")
        print(f"  ADC range {name}: [0, {r['range'][1]:.5g}]{extra}")
    print(f"  time: import {t['import']:.2f} s, data {t['load_data']:.2f} s, "
          f"calibration {t['calibration']:.2f} s, build {t['build_program']:.2f} s, "
          f"inference {t['inference']:.2f} s, script {t['script_total']:.2f} s "
          f"({args.threads} threads, BLAS {result['blas']})")
    print(f"RESULT tool=crosssim images={n} accuracy={acc:.4f} "
          f"inference_s={t['inference']:.3f} script_s={t['script_total']:.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)



if __name__ == "__main__":
    main(ARGS)

// ONNX models as xbarsim workloads (docs/formats.md, "ONNX import"), with Debian's libonnx
// (protobuf, checker): the graph's nodes become the network IR's layers, its initializers the
// weights. Supported (default domain, opsets 11-17): Conv (group 1, no dilation, symmetric
// pads), Gemm (alpha = beta = 1, transA = 0), MatMul with an initializer (+ an Add of an
// initializer: the bias), Relu, MaxPool and AveragePool (symmetric pads, no ceil mode),
// GlobalAveragePool, Flatten (axis 1), Reshape to [N, -1], Add of two tensors,
// BatchNormalization (folded into the layer before it), Identity and Dropout (removed),
// Constant. Anything else is an error naming the node, its op type and the opset.
#pragma once

#include <string>

#include "workloads/network.hpp"

namespace xbarsim::onnx_import {

/// Reads `path` and returns the float workload it describes, its weights in memory, named
/// `name`, with `weights_file` as the safetensors file it will be saved with. Throws
/// xbarsim::Error naming the file (and the node) for anything it cannot import.
workloads::Network import_onnx(const std::string& path, const std::string& name, const std::string& weights_file);

}  // namespace xbarsim::onnx_import

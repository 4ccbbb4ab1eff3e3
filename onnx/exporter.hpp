// xbarsim workloads as ONNX models (docs/formats.md, "ONNX export"), opset 13: a float
// workload as Conv, Gemm, Relu, MaxPool, AveragePool, Flatten, Add, Slice and Pad with float
// initializers; an integer workload in the QDQ format (int8 weight codes and int32 bias codes
// through DequantizeLinear, every rescaled tensor through QuantizeLinear + DequantizeLinear at
// its power-of-two scale), with the contract's tie rounding, data set and name kept in the
// model's metadata so that import_onnx gives the workload back.
#pragma once

#include <string>

#include "workloads/network.hpp"

namespace xbarsim::onnx_import {

/// Writes `net` to `path` atomically. An integer workload must fit QDQ's 8-bit types: 8-bit
/// inputs, weight codes in [-128, 127], outputs of 8 bits (7 bits where every reader is a
/// ReLU); anything else is an xbarsim::Error naming the layer. Float weights kept beside the
/// codes of an integer workload are not written (the codes define its arithmetic).
void export_onnx(const workloads::Network& net, const std::string& path);

}  // namespace xbarsim::onnx_import

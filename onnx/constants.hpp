// Constant tensors of an ONNX graph and the folding of the small integer subgraphs exporters
// write around shapes and pads (Shape, Gather, Unsqueeze, Squeeze, Concat, Slice, Reshape,
// Transpose, Cast, ConstantOfShape): evaluated at import, so what reaches the network IR is a
// plain list of integers.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace xbarsim::onnx_import {

/// The batch dimension where a Shape node reads it: a marker, accepted only where a reshape
/// keeps the batch (never a real size: sizes are at most 2^31).
inline constexpr std::int64_t kBatchDim = -(std::int64_t{1} << 40);

/// A constant of the graph with its dims: float values (weights, scales) or integers (shapes,
/// pads, integer weight codes of QDQ models).
struct Constant {
  enum class Type { Float, Int } type = Type::Float;
  std::vector<std::int64_t> dims;
  std::vector<float> f;
  std::vector<std::int64_t> i;
  int onnx_type = 0;  ///< the TensorProto data type it was read from (INT8, UINT8, INT32, ...)

  std::int64_t size() const {
    return type == Type::Float ? static_cast<std::int64_t>(f.size()) : static_cast<std::int64_t>(i.size());
  }
  /// Element k as a double, whatever the type.
  double at(std::int64_t k) const {
    return type == Type::Float ? f[static_cast<std::size_t>(k)] : static_cast<double>(i[static_cast<std::size_t>(k)]);
  }
};

/// Reads a TensorProto (FLOAT, DOUBLE, INT8, UINT8, INT32, INT64; raw or typed data). `what`
/// names it in errors (xbarsim::Error, prefixed by the caller's file).
Constant read_constant(const onnx::TensorProto& t, const std::string& what);

/// Evaluates `node` on constant inputs; `in[k]` is its k-th input (nullptr where absent or not
/// constant). Returns false when `node` is not a foldable op or an input it needs is not a
/// constant; throws std::invalid_argument with a message for a foldable node it cannot evaluate.
bool fold(const onnx::NodeProto& node, const std::vector<const Constant*>& in, Constant& out);

}  // namespace xbarsim::onnx_import

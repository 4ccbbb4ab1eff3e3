// The network IR: a directed acyclic graph of layers over named tensors, with
// the weights it references. Loaded from a network JSON + safetensors pair
// (docs/formats.md), validated, shapes inferred, batch norm folded.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "workloads/dataset.hpp"
#include "workloads/tensor.hpp"

namespace xbarsim::workloads {

inline constexpr int kNetworkFormatVersion = 1;
/// A slice end that means "to the end of the axis".
inline constexpr std::int64_t kSliceToEnd = std::int64_t{1} << 40;

enum class LayerKind { Conv2d, Linear, Relu, MaxPool2d, AvgPool2d, Flatten, Add, BatchNorm, Slice, Pad };

std::string kind_name(LayerKind kind);
bool parse_kind(const std::string& name, LayerKind& out);

/// Per-sample activation shape: {C, H, W} or {features}.
using Shape = std::vector<std::int64_t>;

/// Integer form of a conv2d/linear/add layer (arithmetic contract, ARCHITECTURE.md).
/// Values: weight = w_int * 2^weight_scale_exp[c]; accumulator scale = 2^(input_exp + weight_exp);
/// output = clip(round_shift(acc + bias, output_scale_exp - input_exp - weight_exp)).
struct LayerQuantization {
  int weight_bits = 8;                ///< signed weights in [-(2^(b-1)-1), 2^(b-1)-1]
  std::vector<int> weight_scale_exp;  ///< one per layer, or one per output channel
  std::string weight;                 ///< integer weight tensor (I8/I16/I32), same shape as the float weight
  std::string bias;                   ///< optional I32 bias at the accumulator's scale
  std::optional<int> output_bits;     ///< absent: the layer emits raw int32 accumulators (final logits)
  std::optional<int> output_scale_exp;

  int weight_exp(std::int64_t channel) const {
    return weight_scale_exp.size() == 1 ? weight_scale_exp[0] : weight_scale_exp[static_cast<std::size_t>(channel)];
  }
};

/// Integer form of the network input: x_int = clip(round(x / 2^input_scale_exp), 0, 2^input_bits - 1).
struct InputQuantization {
  int input_bits = 8;
  int input_scale_exp = -8;
  bool input_signed = false;  ///< two's complement codes (inputs below zero, e.g. mean/std normalisation)
  /// How every rescale of the network rounds ties (the input's, the layers', the adds', the
  /// averages'): up (false, the default) or to even (imported ONNX QDQ models: QuantizeLinear's rule).
  bool ties_to_even = false;
  /// Codes of the input: [0, 2^bits - 1], or [-2^(bits-1), 2^(bits-1) - 1] when signed.
  std::int64_t lo() const { return input_signed ? -(std::int64_t{1} << (input_bits - 1)) : 0; }
  std::int64_t hi() const {
    return input_signed ? (std::int64_t{1} << (input_bits - 1)) - 1 : (std::int64_t{1} << input_bits) - 1;
  }
};

struct Layer {
  std::string name;  ///< also the name of the tensor it produces
  LayerKind kind = LayerKind::Relu;
  std::vector<std::string> inputs;  ///< tensor names (layer names or the network input)

  // conv2d
  std::int64_t in_channels = 0;
  std::int64_t out_channels = 0;
  // conv2d and pools
  std::array<int, 2> kernel_size{1, 1};
  std::array<int, 2> stride{1, 1};
  std::array<int, 2> padding{0, 0};
  // linear
  std::int64_t in_features = 0;
  std::int64_t out_features = 0;
  // conv2d / linear / batchnorm parameters (tensor names; "" = absent)
  std::string weight;
  std::string bias;
  // batchnorm
  std::int64_t num_features = 0;
  std::string running_mean;
  std::string running_var;
  double eps = 1e-5;
  // slice: elements begin, begin + step, ... below end, per axis of {C, H, W} (end clipped to the input)
  std::array<std::int64_t, 3> begin{0, 0, 0};
  std::array<std::int64_t, 3> end{kSliceToEnd, kSliceToEnd, kSliceToEnd};
  std::array<std::int64_t, 3> step{1, 1, 1};
  // pad: zeros before and after, per axis of {C, H, W}
  std::array<std::int64_t, 3> pad_before{0, 0, 0};
  std::array<std::int64_t, 3> pad_after{0, 0, 0};

  std::optional<LayerQuantization> quantization;

  Shape output_shape;  ///< inferred at load

  bool has_weights() const { return kind == LayerKind::Conv2d || kind == LayerKind::Linear; }
};

struct Metadata {
  std::string dataset;
  std::map<std::string, double> accuracy;                 ///< e.g. "float" -> 0.9012 (fraction of the test set)
  std::string produced_by;                                ///< command that produced the workload
  nlohmann::json training = nlohmann::json::object();     ///< free-form record of the training run
  nlohmann::json compression = nlohmann::json::object();  ///< compression report (train/compress.hpp)
};

struct Network {
  std::string name;
  std::string input_name = "input";
  Shape input_shape;
  DatasetSpec dataset;
  std::string weights_file;  ///< as written in the JSON (relative to the JSON's folder)
  std::optional<InputQuantization> input_quantization;
  std::vector<Layer> layers;
  std::string output;  ///< name of the output tensor
  Metadata metadata;
  std::map<std::string, Tensor> tensors;

  const Layer* find_layer(const std::string& name) const;
  const Tensor& tensor(const std::string& name) const;
  /// True when every conv2d/linear/add carries a quantization block and the input has one.
  bool is_quantized() const { return input_quantization.has_value(); }
  /// Shape of a named tensor (the input or a layer's output).
  const Shape& shape_of(const std::string& tensor_name) const;
  /// True when `tensor` has readers and every one is a relu (its codes can be unsigned).
  bool read_only_by_relu(const std::string& tensor) const;
  /// Number of parameters of conv2d/linear layers (weights + biases).
  std::int64_t parameter_count() const;
};

/// Loads network JSON + its safetensors; validates everything; folds batch norm.
Network load_network(const std::string& json_path);
/// Same from JSON already in memory; `file` names it in errors, `base_dir` resolves "weights".
Network load_network_json(const nlohmann::json& doc, const std::string& file, const std::string& base_dir);

/// A data set described on its own: a JSON file holding what a network's "dataset" block holds
/// (docs/formats.md), its "dir" relative to the file's folder.
DatasetSpec load_dataset_spec(const std::string& json_path);

/// The "dataset" and "metadata" blocks of a network JSON on their own (an ONNX export keeps
/// them in the model's metadata); `where` names them in errors.
DatasetSpec dataset_from_json(const nlohmann::json& j, const std::string& where, const std::string& base_dir);
Metadata metadata_from_json(const nlohmann::json& j, const std::string& where);

/// Validates a Network built in code (tensors present, shapes, quantization); infers shapes.
/// `where` names it in errors. load_network calls this too.
void validate_and_infer(Network& net, const std::string& where);
/// Replaces every batchnorm that follows a conv2d/linear by scaled weights and a bias.
void fold_batchnorm(Network& net, const std::string& where);

/// Serialises to the network JSON format (tensors not included), keys in documentation order.
nlohmann::ordered_json to_json(const Network& net);
/// Writes `json_path` and its weights file (net.weights_file, relative to the JSON) atomically.
void save_network(const Network& net, const std::string& json_path);

/// "[1, 28, 28]"
std::string format_shape(const Shape& s);

}  // namespace xbarsim::workloads

// safetensors: 8-byte little-endian header length N, N bytes of JSON header
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
// then the raw little-endian data. https://github.com/huggingface/safetensors
#pragma once

#include <map>
#include <string>

#include "workloads/tensor.hpp"

namespace xbarsim::workloads {

struct TensorFile {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;  ///< the optional "__metadata__" (string to string)
};

/// Reads and validates a whole file. Throws xbarsim::Error naming the file and the tensor.
TensorFile read_safetensors(const std::string& path);
/// Parses an in-memory image; `where` names it in errors.
TensorFile parse_safetensors(const std::string& bytes, const std::string& where);

/// Serialises tensors in name order, header padded with spaces to a multiple of 8 bytes.
std::string serialize_safetensors(const TensorFile& file);
/// Writes atomically (temporary file + rename): a failed write leaves no file behind.
void write_safetensors(const std::string& path, const TensorFile& file);

}  // namespace xbarsim::workloads

#include "workloads/safetensors.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "workloads/io.hpp"
#include "workloads/json_reader.hpp"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "xbarsim reads little-endian tensor data in place; a big-endian host needs byte swapping here"
#endif

namespace xbarsim::workloads {

namespace {
constexpr std::uint64_t kMaxHeader = 100ULL * 1024 * 1024;  // same limit as the reference implementation

std::string tensor_where(const std::string& where, const std::string& name) {
  return where + ": tensor '" + name + "'";
}
}  // namespace

TensorFile parse_safetensors(const std::string& bytes, const std::string& where) {
  if (bytes.size() < 8)
    throw make_error(where,
                     "file is " + std::to_string(bytes.size()) + " bytes, expected at least the 8-byte header length");
  std::uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  if (header_len > kMaxHeader || header_len > bytes.size() - 8) {
    throw make_error(where, "header length " + std::to_string(header_len) + " exceeds the file size " +
                                std::to_string(bytes.size()) + " (not a safetensors file?)");
  }
  nlohmann::json header;
  try {
    header = parse_json_text(bytes.substr(8, header_len), where + ": header");
  } catch (const Error& e) {
    throw make_error(where, std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!header.is_object()) throw make_error(where, "header must be a JSON object");

  const std::size_t data_begin = 8 + header_len;
  const std::size_t data_size = bytes.size() - data_begin;
  TensorFile file;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) throw make_error(where, "__metadata__ must be an object of strings");
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) throw make_error(where, "__metadata__: value of '" + k + "' must be a string");
        file.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string tw = tensor_where(where, name);
    if (!entry.is_object()) throw make_error(tw, "entry must be an object with dtype, shape, data_offsets");
    for (const auto& [k, v] : entry.items()) {
      (void)v;
      if (k != "dtype" && k != "shape" && k != "data_offsets") throw make_error(tw, "unknown key '" + k + "'");
    }
    if (!entry.contains("dtype") || !entry["dtype"].is_string())
      throw make_error(tw, "dtype: expected a string such as \"F32\"");
    DType dtype{};
    const std::string dname = entry["dtype"].get<std::string>();
    if (!parse_dtype(dname, dtype))
      throw make_error(tw, "dtype: unsupported \"" + dname + "\", expected one of F32, F64, I8, U8, I16, I32, I64");
    if (!entry.contains("shape") || !entry["shape"].is_array())
      throw make_error(tw, "shape: expected an array of non-negative integers");
    std::vector<std::int64_t> shape;
    for (const auto& d : entry["shape"]) {
      if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
        throw make_error(tw, "shape: expected an array of non-negative integers");
      shape.push_back(d.get<std::int64_t>());
    }
    const auto& off = entry.value("data_offsets", nlohmann::json());
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
      throw make_error(tw, "data_offsets: expected [begin, end] with non-negative integers");
    }
    const auto b = off[0].get<std::uint64_t>();
    const auto e = off[1].get<std::uint64_t>();
    if (b > e || e > data_size) {
      throw make_error(tw, "data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                               "] outside the data section of " + std::to_string(data_size) +
                               " bytes (truncated file?)");
    }
    // The byte count the shape needs, overflow-safe, checked against the offsets before anything
    // is allocated (a shape like [2^33, 2^33] must not reach the allocator).
    const bool empty = std::find(shape.begin(), shape.end(), 0) != shape.end();
    std::uint64_t need = empty ? 0 : dtype_size(dtype);
    for (const auto d : shape) {
      if (empty) break;
      const auto u = static_cast<std::uint64_t>(d);
      if (need > UINT64_MAX / u) {
        throw make_error(tw, "shape " + shape_string(shape) + " of " + dname +
                                 " needs more bytes than 64 bits count; data_offsets give " + std::to_string(e - b));
      }
      need *= u;
    }
    if (need != e - b) {
      throw make_error(tw, "shape " + shape_string(shape) + " of " + dname + " needs " + std::to_string(need) +
                               " bytes, data_offsets give " + std::to_string(e - b));
    }
    Tensor t(dtype, shape);
    if (t.nbytes() > 0) std::memcpy(t.raw(), bytes.data() + data_begin + b, t.nbytes());
    ranges.emplace_back(b, e);
    file.tensors.emplace(name, std::move(t));
  }
  std::sort(ranges.begin(), ranges.end());
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first < ranges[i - 1].second) throw make_error(where, "tensors overlap in the data section");
  }
  return file;
}

TensorFile read_safetensors(const std::string& path) { return parse_safetensors(read_file(path), path); }

std::string serialize_safetensors(const TensorFile& file) {
  nlohmann::json header = nlohmann::json::object();
  std::uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {  // std::map: name order
    header[name] = {
        {"dtype", dtype_name(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, offset + t.nbytes()}}};
    offset += t.nbytes();
  }
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::string h = header.dump();
  while ((8 + h.size()) % 8 != 0) h.push_back(' ');
  std::string out(8, '\0');
  const std::uint64_t len = h.size();
  std::memcpy(out.data(), &len, 8);
  out += h;
  out.reserve(out.size() + offset);
  for (const auto& [name, t] : file.tensors) {
    if (t.nbytes() > 0) out.append(reinterpret_cast<const char*>(t.raw()), t.nbytes());
  }
  return out;
}

void write_safetensors(const std::string& path, const TensorFile& file) {
  write_file_atomic(path, serialize_safetensors(file));
}

}  // namespace xbarsim::workloads

#include "workloads/tensor.hpp"

#include <sstream>
#include <stdexcept>

namespace xbarsim::workloads {

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::I8: return 1;
    case DType::U8: return 1;
    case DType::I16: return 2;
    case DType::I32: return 4;
    case DType::I64: return 8;
  }
  return 0;
}

std::string dtype_name(DType dtype) {
  switch (dtype) {
    case DType::F32: return "F32";
    case DType::F64: return "F64";
    case DType::I8: return "I8";
    case DType::U8: return "U8";
    case DType::I16: return "I16";
    case DType::I32: return "I32";
    case DType::I64: return "I64";
  }
  return "?";
}

bool parse_dtype(const std::string& name, DType& out) {
  static constexpr DType all[] = {DType::F32, DType::F64, DType::I8, DType::U8, DType::I16, DType::I32, DType::I64};
  for (DType d : all) {
    if (dtype_name(d) == name) {
      out = d;
      return true;
    }
  }
  return false;
}

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

Tensor::Tensor(DType dtype, std::vector<std::int64_t> shape) : dtype_(dtype), shape_(std::move(shape)) {
  for (auto d : shape_) {
    if (d < 0) throw std::invalid_argument("Tensor: negative dimension");
  }
  bytes_.assign(numel() * dtype_size(dtype_), 0);
}

std::size_t Tensor::numel() const {
  std::size_t n = 1;
  for (auto d : shape_) n *= static_cast<std::size_t>(d);
  return n;
}

std::string Tensor::shape_string() const { return workloads::shape_string(shape_); }

void Tensor::check_type(DType wanted) const {
  if (wanted != dtype_) {
    throw std::logic_error("Tensor: accessed " + dtype_name(dtype_) + " data as " + dtype_name(wanted));
  }
}

namespace {
template <typename Out, typename In>
void convert(const std::uint8_t* raw, std::size_t n, std::vector<Out>& out) {
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    In v;
    std::memcpy(&v, raw + i * sizeof(In), sizeof(In));
    out[i] = static_cast<Out>(v);
  }
}

template <typename Out>
std::vector<Out> convert_all(DType dtype, const std::uint8_t* raw, std::size_t n) {
  std::vector<Out> out;
  switch (dtype) {
    case DType::F32: convert<Out, float>(raw, n, out); break;
    case DType::F64: convert<Out, double>(raw, n, out); break;
    case DType::I8: convert<Out, std::int8_t>(raw, n, out); break;
    case DType::U8: convert<Out, std::uint8_t>(raw, n, out); break;
    case DType::I16: convert<Out, std::int16_t>(raw, n, out); break;
    case DType::I32: convert<Out, std::int32_t>(raw, n, out); break;
    case DType::I64: convert<Out, std::int64_t>(raw, n, out); break;
  }
  return out;
}
}  // namespace

std::vector<double> Tensor::to_double() const { return convert_all<double>(dtype_, bytes_.data(), numel()); }
std::vector<float> Tensor::to_float() const { return convert_all<float>(dtype_, bytes_.data(), numel()); }

}  // namespace xbarsim::workloads

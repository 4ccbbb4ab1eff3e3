// A named, typed, shaped block of little-endian data: what safetensors holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace xbarsim::workloads {

enum class DType { F32, F64, I8, U8, I16, I32, I64 };

/// Bytes per element.
std::size_t dtype_size(DType dtype);
/// The safetensors spelling ("F32", "I8", ...).
std::string dtype_name(DType dtype);
/// Parses a safetensors dtype name; returns false when it is not supported.
bool parse_dtype(const std::string& name, DType& out);

template <typename T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>)
    return DType::F32;
  else if constexpr (std::is_same_v<T, double>)
    return DType::F64;
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return DType::I8;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return DType::U8;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return DType::I16;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return DType::I32;
  else {
    static_assert(std::is_same_v<T, std::int64_t>, "unsupported tensor element type");
    return DType::I64;
  }
}

class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, std::vector<std::int64_t> shape);

  template <typename T>
  static Tensor from(std::vector<std::int64_t> shape, const std::vector<T>& values) {
    Tensor t(dtype_of<T>(), std::move(shape));
    if (values.size() != t.numel()) throw std::invalid_argument("Tensor::from: value count does not match shape");
    if (!t.bytes_.empty()) std::memcpy(t.bytes_.data(), values.data(), t.bytes_.size());
    return t;
  }

  DType dtype() const { return dtype_; }
  const std::vector<std::int64_t>& shape() const { return shape_; }
  std::size_t numel() const;
  std::size_t nbytes() const { return bytes_.size(); }
  std::uint8_t* raw() { return bytes_.data(); }
  const std::uint8_t* raw() const { return bytes_.data(); }

  /// Typed view; T must match dtype() exactly.
  template <typename T>
  const T* data() const {
    check_type(dtype_of<T>());
    return reinterpret_cast<const T*>(bytes_.data());
  }
  template <typename T>
  T* data() {
    check_type(dtype_of<T>());
    return reinterpret_cast<T*>(bytes_.data());
  }

  /// Any numeric dtype converted to double (exact for every supported integer type).
  std::vector<double> to_double() const;
  /// Any numeric dtype converted to float.
  std::vector<float> to_float() const;

  /// "[6, 1, 5, 5]"
  std::string shape_string() const;

 private:
  void check_type(DType wanted) const;

  DType dtype_ = DType::F32;
  std::vector<std::int64_t> shape_;
  // operator new aligns to max_align_t, enough for every dtype above.
  std::vector<std::uint8_t> bytes_;
};

std::string shape_string(const std::vector<std::int64_t>& shape);

}  // namespace xbarsim::workloads

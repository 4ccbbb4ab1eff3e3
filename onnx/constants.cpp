#include "onnx/constants.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "common/error.hpp"

namespace xbarsim::onnx_import {

namespace {

using Dims = std::vector<std::int64_t>;

std::int64_t count_of(const Dims& d) {
  std::int64_t n = 1;
  for (auto x : d) n *= x;
  return n;
}

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(what); }

template <typename T>
void copy_raw(const std::string& raw, std::size_t n, const std::string& what, std::vector<T>& out) {
  if (raw.size() != n * sizeof(T)) bad(what + ": raw data size does not match its dims");
  out.resize(n);
  if (n > 0) std::memcpy(out.data(), raw.data(), n * sizeof(T));
}

/// Element `k` of the row-major index space `dims` as a multi-index.
Dims unravel(std::int64_t k, const Dims& dims) {
  Dims idx(dims.size());
  for (std::size_t a = dims.size(); a-- > 0;) {
    idx[a] = k % dims[a];
    k /= dims[a];
  }
  return idx;
}

std::int64_t ravel(const Dims& idx, const Dims& dims) {
  std::int64_t k = 0;
  for (std::size_t a = 0; a < dims.size(); ++a) k = k * dims[a] + idx[a];
  return k;
}

/// A constant with the elements of `src` at flat indices `pick`, shaped `dims`.
Constant pick_elements(const Constant& src, const Dims& dims, const std::vector<std::int64_t>& pick) {
  Constant out;
  out.type = src.type;
  out.onnx_type = src.onnx_type;
  out.dims = dims;
  for (auto k : pick) {
    if (src.type == Constant::Type::Float) {
      out.f.push_back(src.f[static_cast<std::size_t>(k)]);
    } else {
      out.i.push_back(src.i[static_cast<std::size_t>(k)]);
    }
  }
  return out;
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

std::vector<std::int64_t> ints_of(const Constant& c) {
  if (c.type != Constant::Type::Int) bad("expected an integer tensor");
  return c.i;
}

std::int64_t normalize_axis(std::int64_t axis, std::int64_t rank) {
  if (axis < -rank || axis >= rank)
    bad("axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

/// Axes of Unsqueeze/Squeeze (and ReduceX): input 1 from opset 13, the attribute before.
std::vector<std::int64_t> axes_of(const onnx::NodeProto& n, const std::vector<const Constant*>& in) {
  if (in.size() > 1 && in[1] != nullptr) return ints_of(*in[1]);
  if (const auto* a = attribute(n, "axes")) return {a->ints().begin(), a->ints().end()};
  return {};
}

Constant slice(const Constant& x, const std::vector<const Constant*>& in) {
  if (in.size() < 3 || in[1] == nullptr || in[2] == nullptr) bad("Slice needs constant starts and ends");
  const auto starts = ints_of(*in[1]), ends = ints_of(*in[2]);
  const auto rank = static_cast<std::int64_t>(x.dims.size());
  std::vector<std::int64_t> axes, steps;
  if (in.size() > 3 && in[3] != nullptr) {
    axes = ints_of(*in[3]);
  } else {
    for (std::size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<std::int64_t>(k));
  }
  steps = in.size() > 4 && in[4] != nullptr ? ints_of(*in[4]) : std::vector<std::int64_t>(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    bad("Slice: starts, ends, axes and steps differ in length");
  Dims first(x.dims.size(), 0), step(x.dims.size(), 1), dims = x.dims;
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const auto a = static_cast<std::size_t>(normalize_axis(axes[k], rank));
    const std::int64_t d = x.dims[a], s = steps[k];
    if (s == 0) bad("Slice: step 0");
    auto clampi = [](std::int64_t v, std::int64_t lo, std::int64_t hi) { return std::min(hi, std::max(lo, v)); };
    std::int64_t b = starts[k] < 0 ? starts[k] + d : starts[k];
    std::int64_t e = ends[k] < 0 ? ends[k] + d : ends[k];
    if (s > 0) {
      b = clampi(b, 0, d);
      e = clampi(e, 0, d);
      dims[a] = e > b ? (e - b + s - 1) / s : 0;
    } else {
      b = clampi(b, 0, d - 1);
      e = clampi(e, -1, d - 1);
      dims[a] = b > e ? (b - e + (-s) - 1) / (-s) : 0;
    }
    first[a] = b;
    step[a] = s;
  }
  std::vector<std::int64_t> pick;
  for (std::int64_t k = 0; k < count_of(dims); ++k) {
    Dims idx = unravel(k, dims);
    for (std::size_t a = 0; a < idx.size(); ++a) idx[a] = first[a] + idx[a] * step[a];
    pick.push_back(ravel(idx, x.dims));
  }
  return pick_elements(x, dims, pick);
}

Constant elementwise(const std::string& op, const Constant& a, const Constant& b) {
  if (a.type != Constant::Type::Int || b.type != Constant::Type::Int) bad(op + ": only integer constants fold");
  const bool a_scalar = a.size() == 1, b_scalar = b.size() == 1;
  if (!a_scalar && !b_scalar && a.dims != b.dims) bad(op + ": shapes differ (only scalar broadcasting folds)");
  Constant out = a_scalar ? b : a;
  for (std::int64_t k = 0; k < out.size(); ++k) {
    const std::int64_t x = a.i[static_cast<std::size_t>(a_scalar ? 0 : k)];
    const std::int64_t y = b.i[static_cast<std::size_t>(b_scalar ? 0 : k)];
    if (x == kBatchDim || y == kBatchDim) bad(op + " on the batch size does not fold (export with a fixed batch)");
    std::int64_t r = 0;
    if (op == "Add") {
      r = x + y;
    } else if (op == "Sub") {
      r = x - y;
    } else if (op == "Mul") {
      r = x * y;
    } else {
      if (y == 0) bad("Div by zero");
      r = x / y;
    }
    out.i[static_cast<std::size_t>(k)] = r;
  }
  return out;
}

}  // namespace

Constant read_constant(const onnx::TensorProto& t, const std::string& what) {
  Constant c;
  c.dims.assign(t.dims().begin(), t.dims().end());
  std::int64_t n = 1;
  for (auto d : c.dims) {
    if (d < 0 || d > (std::int64_t{1} << 31)) throw Error(what + ": dimension " + std::to_string(d) + " out of range");
    n *= d;
    if (n > (std::int64_t{1} << 31)) throw Error(what + ": more than 2^31 values");
  }
  const auto un = static_cast<std::size_t>(n);
  c.onnx_type = t.data_type();
  try {
    switch (t.data_type()) {
      case onnx::TensorProto::FLOAT:
        if (t.has_raw_data()) {
          copy_raw(t.raw_data(), un, what, c.f);
        } else {
          c.f.assign(t.float_data().begin(), t.float_data().end());
        }
        break;
      case onnx::TensorProto::DOUBLE: {
        std::vector<double> d;
        if (t.has_raw_data()) {
          copy_raw(t.raw_data(), un, what, d);
        } else {
          d.assign(t.double_data().begin(), t.double_data().end());
        }
        c.f.assign(d.begin(), d.end());
        c.onnx_type = onnx::TensorProto::FLOAT;
        break;
      }
      case onnx::TensorProto::INT64:
        c.type = Constant::Type::Int;
        if (t.has_raw_data()) {
          copy_raw(t.raw_data(), un, what, c.i);
        } else {
          c.i.assign(t.int64_data().begin(), t.int64_data().end());
        }
        break;
      case onnx::TensorProto::INT32:
      case onnx::TensorProto::INT8:
      case onnx::TensorProto::UINT8: {
        c.type = Constant::Type::Int;
        if (t.has_raw_data()) {
          if (t.data_type() == onnx::TensorProto::INT32) {
            std::vector<std::int32_t> v;
            copy_raw(t.raw_data(), un, what, v);
            c.i.assign(v.begin(), v.end());
          } else if (t.data_type() == onnx::TensorProto::INT8) {
            std::vector<std::int8_t> v;
            copy_raw(t.raw_data(), un, what, v);
            c.i.assign(v.begin(), v.end());
          } else {
            std::vector<std::uint8_t> v;
            copy_raw(t.raw_data(), un, what, v);
            c.i.assign(v.begin(), v.end());
          }
        } else {
          c.i.assign(t.int32_data().begin(), t.int32_data().end());  // ONNX stores all three in int32_data
        }
        break;
      }
      default:
        throw Error(what + ": data type " + std::to_string(t.data_type()) +
                    ", expected FLOAT (1), UINT8 (2), INT8 (3), INT32 (6), INT64 (7) or DOUBLE (11)");
    }
  } catch (const std::invalid_argument& e) {
    throw Error(e.what());
  }
  if (static_cast<std::size_t>(c.size()) != un) throw Error(what + ": its data does not match its dims");
  return c;
}

bool fold(const onnx::NodeProto& node, const std::vector<const Constant*>& in, Constant& out) {
  const std::string& op = node.op_type();
  const Constant* x = in.empty() ? nullptr : in[0];
  if (op == "ConstantOfShape") {
    if (x == nullptr) return false;
    const auto dims = ints_of(*x);
    Constant v;  // default: a float zero
    v.f = {0.0F};
    if (const auto* a = attribute(node, "value")) v = read_constant(a->t(), "ConstantOfShape value");
    if (v.size() != 1) bad("ConstantOfShape: value must hold one element");
    for (auto d : dims) {
      if (d < 0 || d > (std::int64_t{1} << 24)) bad("ConstantOfShape: dimension " + std::to_string(d));
    }
    out = pick_elements(v, dims, std::vector<std::int64_t>(static_cast<std::size_t>(count_of(dims)), 0));
    return true;
  }
  if (x == nullptr) return false;
  const auto rank = static_cast<std::int64_t>(x->dims.size());
  if (op == "Identity") {
    out = *x;
  } else if (op == "Cast") {
    const auto* to = attribute(node, "to");
    if (to == nullptr) bad("Cast without 'to'");
    out = *x;
    out.onnx_type = static_cast<int>(to->i());
    if (to->i() == onnx::TensorProto::FLOAT || to->i() == onnx::TensorProto::DOUBLE) {
      if (x->type == Constant::Type::Int) out.f.assign(x->i.begin(), x->i.end());
      out.i.clear();
      out.type = Constant::Type::Float;
    } else if (to->i() == onnx::TensorProto::INT64 || to->i() == onnx::TensorProto::INT32) {
      if (x->type == Constant::Type::Float) {
        out.i.clear();
        for (float v : x->f) out.i.push_back(static_cast<std::int64_t>(v));
      }
      out.f.clear();
      out.type = Constant::Type::Int;
    } else {
      bad("Cast to type " + std::to_string(to->i()) + " does not fold");
    }
  } else if (op == "Unsqueeze") {
    auto axes = axes_of(node, in);
    const auto out_rank = rank + static_cast<std::int64_t>(axes.size());
    for (auto& a : axes) a = normalize_axis(a, out_rank);
    std::sort(axes.begin(), axes.end());
    out = *x;
    for (auto a : axes) out.dims.insert(out.dims.begin() + a, 1);
  } else if (op == "Squeeze") {
    auto axes = axes_of(node, in);
    out = *x;
    out.dims.clear();
    for (std::int64_t a = 0; a < rank; ++a) {
      bool drop = axes.empty() && x->dims[static_cast<std::size_t>(a)] == 1;
      for (auto s : axes) drop = drop || normalize_axis(s, rank) == a;
      if (!drop) out.dims.push_back(x->dims[static_cast<std::size_t>(a)]);
    }
  } else if (op == "Concat") {
    const auto* ax = attribute(node, "axis");
    if (ax == nullptr) bad("Concat without 'axis'");
    const auto a = static_cast<std::size_t>(normalize_axis(ax->i(), rank));
    out = Constant{};
    out.type = x->type;
    out.onnx_type = x->onnx_type;
    out.dims = x->dims;
    out.dims[a] = 0;
    for (const auto* p : in) {
      if (p == nullptr) return false;
      if (p->type != x->type || p->dims.size() != x->dims.size()) bad("Concat of different types or ranks");
      out.dims[a] += p->dims[a];
    }
    // Row-major: the blocks of every input interleave per index of the axes before `a`.
    std::int64_t outer = 1;
    for (std::size_t d = 0; d < a; ++d) outer *= x->dims[d];
    for (std::int64_t o = 0; o < outer; ++o) {
      for (const auto* p : in) {
        const std::int64_t block = p->size() / std::max<std::int64_t>(1, outer);
        for (std::int64_t k = 0; k < block; ++k) {
          if (p->type == Constant::Type::Float) {
            out.f.push_back(p->f[static_cast<std::size_t>(o * block + k)]);
          } else {
            out.i.push_back(p->i[static_cast<std::size_t>(o * block + k)]);
          }
        }
      }
    }
  } else if (op == "Gather") {
    if (in.size() < 2 || in[1] == nullptr) return false;
    const auto* ax = attribute(node, "axis");
    const auto a = static_cast<std::size_t>(normalize_axis(ax == nullptr ? 0 : ax->i(), rank));
    const auto idx = ints_of(*in[1]);
    Dims dims(x->dims.begin(), x->dims.begin() + static_cast<std::ptrdiff_t>(a));
    dims.insert(dims.end(), in[1]->dims.begin(), in[1]->dims.end());
    dims.insert(dims.end(), x->dims.begin() + static_cast<std::ptrdiff_t>(a) + 1, x->dims.end());
    std::vector<std::int64_t> pick;
    const auto q = static_cast<std::size_t>(in[1]->dims.size());
    for (std::int64_t k = 0; k < count_of(dims); ++k) {
      const Dims o = unravel(k, dims);
      Dims src(o.begin(), o.begin() + static_cast<std::ptrdiff_t>(a));
      std::int64_t j = idx[static_cast<std::size_t>(
          ravel(Dims(o.begin() + static_cast<std::ptrdiff_t>(a), o.begin() + static_cast<std::ptrdiff_t>(a + q)),
                in[1]->dims))];
      if (j < 0) j += x->dims[a];
      if (j < 0 || j >= x->dims[a]) bad("Gather index out of range");
      src.push_back(j);
      src.insert(src.end(), o.begin() + static_cast<std::ptrdiff_t>(a + q), o.end());
      pick.push_back(ravel(src, x->dims));
    }
    out = pick_elements(*x, dims, pick);
  } else if (op == "Slice") {
    out = slice(*x, in);
  } else if (op == "Reshape") {
    if (in.size() < 2 || in[1] == nullptr) return false;
    auto dims = ints_of(*in[1]);
    std::int64_t known = 1, infer = -1;
    for (std::size_t k = 0; k < dims.size(); ++k) {
      if (dims[k] == 0) dims[k] = k < x->dims.size() ? x->dims[k] : 0;
      if (dims[k] == -1) {
        if (infer >= 0) bad("Reshape with two -1");
        infer = static_cast<std::int64_t>(k);
      } else {
        if (dims[k] < 0) bad("Reshape to a negative dimension");
        known *= dims[k];
      }
    }
    if (infer >= 0) dims[static_cast<std::size_t>(infer)] = known == 0 ? 0 : x->size() / known;
    if (count_of(dims) != x->size()) bad("Reshape changes the element count");
    out = *x;
    out.dims = dims;
  } else if (op == "Transpose") {
    std::vector<std::int64_t> perm;
    if (const auto* p = attribute(node, "perm")) perm.assign(p->ints().begin(), p->ints().end());
    if (perm.empty()) {
      for (std::int64_t a = rank - 1; a >= 0; --a) perm.push_back(a);
    }
    if (static_cast<std::int64_t>(perm.size()) != rank) bad("Transpose perm has the wrong length");
    Dims dims;
    for (auto p : perm) dims.push_back(x->dims[static_cast<std::size_t>(normalize_axis(p, rank))]);
    std::vector<std::int64_t> pick;
    for (std::int64_t k = 0; k < count_of(dims); ++k) {
      const Dims o = unravel(k, dims);
      Dims src(o.size());
      for (std::size_t a = 0; a < o.size(); ++a) src[static_cast<std::size_t>(perm[a])] = o[a];
      pick.push_back(ravel(src, x->dims));
    }
    out = pick_elements(*x, dims, pick);
  } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
    if (in.size() < 2 || in[1] == nullptr || x->type != Constant::Type::Int) return false;
    out = elementwise(op, *x, *in[1]);
  } else {
    return false;
  }
  return true;
}

}  // namespace xbarsim::onnx_import

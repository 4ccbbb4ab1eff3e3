// Unrolling (im2col): the one place that fixes the row order of a layer's
// weight matrix W (rows = Cin*kh*kw, cols = Cout). Row r = (ci * kh + ky) * kw + kx,
// the order of PyTorch's weight.view(Cout, -1), so W = weight.view(Cout, -1)^T.
// Crossbar mapping and both engines share it.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace xbarsim::mapping {

/// Geometry of one conv2d over one [C, H, W] input.
struct ConvGeometry {
  std::int64_t in_channels = 0;
  std::int64_t in_h = 0, in_w = 0;
  int kh = 1, kw = 1;
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;

  std::int64_t out_h() const { return (in_h + 2 * pad_h - kh) / stride_h + 1; }
  std::int64_t out_w() const { return (in_w + 2 * pad_w - kw) / stride_w + 1; }
  std::int64_t rows() const { return in_channels * kh * kw; }  ///< unrolled input vector length
  std::int64_t positions() const { return out_h() * out_w(); }
  std::int64_t in_size() const { return in_channels * in_h * in_w; }
};

/// Columns [first, first + count) of a layer's `total` unrolled input columns (images x
/// positions, image-major): the part of the unrolled input one call holds, so that a layer can
/// be unrolled a bounded number of columns at a time.
struct ColumnSpan {
  std::int64_t first = 0;
  std::int64_t count = 0;
  std::int64_t total = 0;
};

/// For `n` images stored as columns of `in` (in_size x n, CHW order per column), writes the
/// columns `span` of the unrolled input to `cols` (rows x span.count); unrolled column
/// n*positions + p is the input vector of output position p of image n. Zero padding.
template <typename T>
void im2col(const ConvGeometry& g, const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& in, const ColumnSpan& span,
            Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& cols) {
  const std::int64_t ow = g.out_w(), P = g.positions();
  cols.resize(g.rows(), span.count);
  for (std::int64_t j = 0; j < span.count; ++j) {
    const std::int64_t col = span.first + j, img = col / P, oy = (col % P) / ow, ox = col % ow;
    const T* src = in.data() + img * in.rows();
    T* dst = cols.data() + j * cols.rows();
    for (std::int64_t c = 0; c < g.in_channels; ++c) {
      const T* plane = src + c * g.in_h * g.in_w;
      for (int ky = 0; ky < g.kh; ++ky) {
        const std::int64_t y = oy * g.stride_h - g.pad_h + ky;
        for (int kx = 0; kx < g.kw; ++kx) {
          const std::int64_t x = ox * g.stride_w - g.pad_w + kx;
          *dst++ = (y >= 0 && y < g.in_h && x >= 0 && x < g.in_w) ? plane[y * g.in_w + x] : T(0);
        }
      }
    }
  }
}

/// Every unrolled column of the `in.cols()` images: `cols` is rows x n*positions.
template <typename T>
void im2col(const ConvGeometry& g, const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& in,
            Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& cols) {
  const std::int64_t total = in.cols() * g.positions();
  im2col(g, in, ColumnSpan{0, total, total}, cols);
}

/// Inverse layout step after the GEMM: `y` (Cout x n*positions) to `out` (Cout*positions x n, CHW per column).
template <typename T>
void col2chw(const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& y, std::int64_t positions,
             Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& out) {
  const std::int64_t cout = y.rows();
  const std::int64_t n = y.cols() / positions;
  out.resize(cout * positions, n);
  for (std::int64_t img = 0; img < n; ++img) {
    T* dst = out.data() + img * out.rows();
    for (std::int64_t p = 0; p < positions; ++p) {
      const T* src = y.data() + (img * positions + p) * cout;
      for (std::int64_t c = 0; c < cout; ++c) dst[c * positions + p] = src[c];
    }
  }
}

}  // namespace xbarsim::mapping

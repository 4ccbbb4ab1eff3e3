#include "workloads/idx.hpp"

#include <zlib.h>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "common/error.hpp"
#include "workloads/io.hpp"

namespace xbarsim::workloads {

namespace {

/// Checks the 4-byte magic and returns the number of dimensions.
unsigned check_magic(const unsigned char* b, const std::string& where) {
  if (b[0] != 0 || b[1] != 0) throw make_error(where, "bad IDX magic: expected the file to start with two zero bytes");
  if (b[2] != 0x08) {
    throw make_error(where,
                     "IDX element type 0x" + std::to_string(b[2]) + " not supported, expected 0x08 (unsigned byte)");
  }
  if (b[3] == 0) throw make_error(where, "IDX file declares 0 dimensions, expected at least 1");
  return b[3];
}

/// The big-endian dimensions and their product, refused above kMaxIdxDataBytes before any data
/// is read (the product is overflow-safe: each factor is below 2^32, the running product
/// below the limit).
std::vector<std::int64_t> read_dims(const unsigned char* p, unsigned ndim, const std::string& where,
                                    std::uint64_t& total) {
  std::vector<std::int64_t> dims;
  total = 1;
  for (unsigned i = 0; i < ndim; ++i, p += 4) {
    const std::uint32_t d =
        (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
    dims.push_back(d);
    total *= d;
    if (total > kMaxIdxDataBytes) {
      throw make_error(where, "IDX dimensions need more than " + std::to_string(kMaxIdxDataBytes) +
                                  " bytes of data (expected at most that)");
    }
  }
  return dims;
}

/// The two ways an IDX file's size can disagree with its header, one message each for both readers.
[[noreturn]] void short_header(const std::string& where, unsigned ndim) {
  throw make_error(where, "truncated IDX header (" + std::to_string(ndim) + " dimensions declared)");
}
[[noreturn]] void wrong_data_size(const std::string& where, const std::string& have, std::uint64_t total) {
  throw make_error(
      where, "IDX data has " + have + " bytes, dimensions require " + std::to_string(total) + " (truncated file?)");
}

/// Up to `n` bytes from the stream (fewer only at its end); throws on corrupt data.
std::size_t gz_read(gzFile f, unsigned char* dst, std::size_t n, const std::string& path) {
  std::size_t got = 0;
  while (got < n) {
    const auto want = static_cast<unsigned>(std::min<std::size_t>(n - got, INT_MAX / 2));
    const int r = gzread(f, dst + got, want);
    if (r < 0) {
      int code = 0;
      const std::string msg = gzerror(f, &code);
      throw make_error(path, "corrupt gzip data (" + msg + ")");
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

/// gzFile closed on every path.
struct GzCloser {
  gzFile f;
  ~GzCloser() {
    if (f != nullptr) gzclose(f);
  }
};

}  // namespace

IdxArray parse_idx(const std::string& bytes, const std::string& where) {
  if (bytes.size() < 4) throw make_error(where, "too short for an IDX header (expected at least 4 bytes)");
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const unsigned ndim = check_magic(b, where);
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(ndim);
  if (bytes.size() < header) short_header(where, ndim);
  IdxArray out;
  std::uint64_t total = 0;
  out.dims = read_dims(b + 4, ndim, where, total);
  if (bytes.size() - header != total) wrong_data_size(where, std::to_string(bytes.size() - header), total);
  out.data.assign(b + header, b + header + total);
  return out;
}

IdxArray read_idx(const std::string& path) {
  check_input_file(path, kMaxBinaryFileBytes);
  GzCloser g{gzopen(path.c_str(), "rb")};
  if (g.f == nullptr) throw make_error(path, std::string("cannot open (") + std::strerror(errno) + ")");
  unsigned char head[4 + 4 * 255];
  if (gz_read(g.f, head, 4, path) < 4)
    throw make_error(path, "too short for an IDX header (expected at least 4 bytes)");
  const unsigned ndim = check_magic(head, path);
  if (gz_read(g.f, head + 4, 4 * std::size_t{ndim}, path) < 4 * std::size_t{ndim}) short_header(path, ndim);
  IdxArray out;
  std::uint64_t total = 0;
  out.dims = read_dims(head + 4, ndim, path, total);
  // Read in chunks: memory follows the data actually present, not what the header claims.
  std::size_t got = 0;
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  while (got < total) {
    const std::size_t want = std::min<std::size_t>(kChunk, static_cast<std::size_t>(total) - got);
    out.data.resize(got + want);
    const std::size_t n = gz_read(g.f, out.data.data() + got, want, path);
    got += n;
    if (n < want) break;
  }
  out.data.resize(got);
  unsigned char extra = 0;
  if (got < total || gz_read(g.f, &extra, 1, path) != 0) {
    wrong_data_size(path, got < total ? std::to_string(got) : "more", total);
  }
  int code = 0;
  const char* msg = gzerror(g.f, &code);
  if (code != Z_OK && code != Z_BUF_ERROR) throw make_error(path, std::string("corrupt gzip data (") + msg + ")");
  const int close_rc = gzclose(g.f);
  g.f = nullptr;
  if (close_rc == Z_BUF_ERROR) throw make_error(path, "truncated gzip stream");
  return out;
}

}  // namespace xbarsim::workloads

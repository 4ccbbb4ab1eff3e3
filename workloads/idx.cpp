#include "workloads/idx.hpp"

#include <zlib.h>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/error.hpp"

namespace xbarsim::workloads {

std::string read_gzip_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw make_error(path, "no such file (expected an IDX file, .gz or plain)");
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw make_error(path, std::string("cannot open (") + std::strerror(errno) + ")");
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int code = 0;
      const std::string msg = gzerror(f, &code);
      gzclose(f);
      throw make_error(path, "corrupt gzip data (" + msg + ")");
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  // gzread reports a truncated stream only through gzerror after end of input.
  int code = 0;
  const char* msg = gzerror(f, &code);
  if (code != Z_OK && code != Z_BUF_ERROR) {
    const std::string m = msg;
    gzclose(f);
    throw make_error(path, "corrupt gzip data (" + m + ")");
  }
  const int close_rc = gzclose(f);
  if (close_rc == Z_BUF_ERROR) throw make_error(path, "truncated gzip stream");
  return out;
}

IdxArray parse_idx(const std::string& bytes, const std::string& where) {
  if (bytes.size() < 4) throw make_error(where, "too short for an IDX header (expected at least 4 bytes)");
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  if (b[0] != 0 || b[1] != 0) throw make_error(where, "bad IDX magic: expected the file to start with two zero bytes");
  if (b[2] != 0x08) {
    throw make_error(where,
                     "IDX element type 0x" + std::to_string(b[2]) + " not supported, expected 0x08 (unsigned byte)");
  }
  const unsigned ndim = b[3];
  if (ndim == 0) throw make_error(where, "IDX file declares 0 dimensions, expected at least 1");
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(ndim);
  if (bytes.size() < header)
    throw make_error(where, "truncated IDX header (" + std::to_string(ndim) + " dimensions declared)");
  IdxArray out;
  std::size_t total = 1;
  for (unsigned i = 0; i < ndim; ++i) {
    const unsigned char* p = b + 4 + 4 * i;
    const std::uint32_t d =
        (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
    out.dims.push_back(d);
    total *= d;
    if (total > (std::size_t{1} << 34)) throw make_error(where, "IDX dimensions are implausibly large");
  }
  if (bytes.size() - header != total) {
    throw make_error(where, "IDX data has " + std::to_string(bytes.size() - header) + " bytes, dimensions require " +
                                std::to_string(total) + " (truncated file?)");
  }
  out.data.assign(b + header, b + header + total);
  return out;
}

IdxArray read_idx(const std::string& path) { return parse_idx(read_gzip_file(path), path); }

}  // namespace xbarsim::workloads

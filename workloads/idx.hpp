// IDX files (the MNIST family's format), plain or gzip-compressed as Debian ships them.
// Magic: two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions,
// then each dimension as a big-endian 32-bit integer, then the data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xbarsim::workloads {

struct IdxArray {
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> data;  ///< row-major, dims multiplied out
};

/// The most data bytes (the product of the dimensions) an IDX file may declare: 1 GiB.
inline constexpr std::uint64_t kMaxIdxDataBytes = std::uint64_t{1} << 30;

/// Reads an unsigned-byte IDX file (.gz or not), streaming: the header's dimensions are checked
/// against kMaxIdxDataBytes before the data is allocated, and decompression stops at the first
/// byte past what they declare (a gzip bomb costs nothing). Throws xbarsim::Error naming the file.
IdxArray read_idx(const std::string& path);
/// Parses decompressed IDX bytes; `where` names the source in errors.
IdxArray parse_idx(const std::string& bytes, const std::string& where);

}  // namespace xbarsim::workloads

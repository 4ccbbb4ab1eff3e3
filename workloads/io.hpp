// Small file helpers shared by every reader and writer. Every input file goes through
// read_file (or check_input_file): only regular files of bounded size are read, so a FIFO,
// a device such as /dev/zero or a directory is refused before anything is allocated.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace xbarsim::workloads {

/// The largest JSON file (network, hardware, device, cost table, sweep spec or results) read.
inline constexpr std::uint64_t kMaxJsonFileBytes = std::uint64_t{64} << 20;
/// The largest binary input (safetensors weights or images, CIFAR batch, ONNX model, IDX data).
inline constexpr std::uint64_t kMaxBinaryFileBytes = std::uint64_t{1} << 30;

/// Checks that `path` is a regular file of at most `max_bytes` bytes without blocking (a FIFO is
/// refused, not opened for reading); returns its size. Throws xbarsim::Error naming the path.
std::uint64_t check_input_file(const std::string& path, std::uint64_t max_bytes);
/// Whole file as bytes, after check_input_file; throws xbarsim::Error "<path>: ..." when it is
/// missing, not a regular file or larger than `max_bytes`.
std::string read_file(const std::string& path, std::uint64_t max_bytes = kMaxBinaryFileBytes);
/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then rename. On any
/// error the temporary is removed and `path` is untouched.
void write_file_atomic(const std::string& path, const std::string& bytes);
/// Several files, all or none: every temporary is written before the first is renamed into place
/// (a directory or an unwritable folder among the targets leaves nothing behind).
void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files);
/// Refuses an output path before any work is done: a directory, a missing or unwritable folder.
/// `option` (e.g. "--output") names it in the error.
void check_output_path(const std::string& path, const std::string& option);
/// Folder part of a path ("" for a bare name).
std::string parent_dir(const std::string& path);
/// `relative` resolved against `base_dir` unless it is absolute.
std::string resolve_path(const std::string& base_dir, const std::string& relative);

}  // namespace xbarsim::workloads

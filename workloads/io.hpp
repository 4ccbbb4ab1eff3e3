// Small file helpers shared by every reader and writer.
#pragma once

#include <string>

namespace xbarsim::workloads {

/// Whole file as bytes; throws xbarsim::Error "<path>: cannot open ..." when missing.
std::string read_file(const std::string& path);
/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then rename.
void write_file_atomic(const std::string& path, const std::string& bytes);
/// Folder part of a path ("" for a bare name).
std::string parent_dir(const std::string& path);
/// `relative` resolved against `base_dir` unless it is absolute.
std::string resolve_path(const std::string& base_dir, const std::string& relative);

}  // namespace xbarsim::workloads

#include "workloads/io.hpp"

#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.hpp"

namespace xbarsim::workloads {

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw make_error(path, "is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw make_error(path, std::string("cannot open file (") + std::strerror(errno) + ")");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw make_error(path, "read error");
  return ss.str();
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw make_error(path, std::string("cannot create file (") + std::strerror(errno) + ")");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      throw make_error(path, "write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw make_error(path, "cannot rename temporary file into place (" + why + ")");
  }
}

std::string parent_dir(const std::string& path) { return std::filesystem::path(path).parent_path().string(); }

std::string resolve_path(const std::string& base_dir, const std::string& relative) {
  std::filesystem::path p(relative);
  if (p.is_absolute() || base_dir.empty()) return p.string();
  return (std::filesystem::path(base_dir) / p).string();
}

}  // namespace xbarsim::workloads

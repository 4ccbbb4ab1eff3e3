#include "workloads/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"

namespace xbarsim::workloads {

namespace {

/// Opens `path` for reading without blocking on a FIFO; fills `st`. Throws for what is not a
/// regular file of at most `max_bytes`.
int open_checked(const std::string& path, std::uint64_t max_bytes, struct stat& st) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw make_error(path, "cannot open file (No such file or directory)");
    throw make_error(path, std::string("cannot open file (") + std::strerror(errno) + ")");
  }
  if (::fstat(fd, &st) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw make_error(path, "cannot stat file (" + why + ")");
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw make_error(path, "is a directory, expected a file");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw make_error(path, "is not a regular file (a FIFO, device or socket), expected a file");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) {
    ::close(fd);
    throw make_error(path, "is " + std::to_string(size) + " bytes, more than the limit of " +
                               std::to_string(max_bytes) + " bytes for this kind of file");
  }
  return fd;
}

}  // namespace

std::uint64_t check_input_file(const std::string& path, std::uint64_t max_bytes) {
  struct stat st {};
  ::close(open_checked(path, max_bytes, st));
  return static_cast<std::uint64_t>(st.st_size);
}

std::string read_file(const std::string& path, std::uint64_t max_bytes) {
  struct stat st {};
  const int fd = open_checked(path, max_bytes, st);
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "file shrank while reading";
      ::close(fd);
      throw make_error(path, "read error (" + why + ")");
    }
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return out;
}

void write_file_atomic(const std::string& path, const std::string& bytes) { write_files_atomic({{path, bytes}}); }

void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  for (const auto& f : files) {
    if (std::filesystem::is_directory(f.first, ec)) throw make_error(f.first, "is a directory, expected a file path");
  }
  std::vector<std::string> temps;
  const auto remove_temps = [&temps] {
    for (const auto& t : temps) std::remove(t.c_str());
  };
  for (const auto& [path, bytes] : files) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      const std::string why = std::strerror(errno);
      remove_temps();
      throw make_error(path, "cannot create file (" + why + ")");
    }
    temps.push_back(tmp);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      out.close();
      remove_temps();
      throw make_error(path, "write failed");
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (std::rename(temps[i].c_str(), files[i].first.c_str()) != 0) {
      const std::string why = std::strerror(errno);
      for (std::size_t k = i; k < temps.size(); ++k) std::remove(temps[k].c_str());
      throw make_error(files[i].first, "cannot rename temporary file into place (" + why + ")");
    }
  }
}

void check_output_path(const std::string& path, const std::string& option) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string where = path + ": " + option;
  if (fs::is_directory(path, ec)) throw make_error(where, "is a directory, expected a file path");
  const std::string dir = parent_dir(path).empty() ? "." : parent_dir(path);
  if (!fs::is_directory(dir, ec)) throw make_error(where, "cannot create file: folder " + dir + " does not exist");
  if (::access(dir.c_str(), W_OK) != 0) {
    throw make_error(where, "cannot create file: folder " + dir + " is not writable (" + std::strerror(errno) + ")");
  }
}

std::string parent_dir(const std::string& path) { return std::filesystem::path(path).parent_path().string(); }

std::string resolve_path(const std::string& base_dir, const std::string& relative) {
  std::filesystem::path p(relative);
  if (p.is_absolute() || base_dir.empty()) return p.string();
  return (std::filesystem::path(base_dir) / p).string();
}

}  // namespace xbarsim::workloads

// Errors that reach a user: every message names where (file, key or tensor)
// and what was expected. Front-ends print what() and exit with status 2.
#pragma once

#include <stdexcept>
#include <string>

namespace xbarsim {

/// A problem with what the user handed in (file, option, hardware, shape).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// "<where>: <what>" — where is usually "file.json: key" or "file.safetensors: tensor 'x'".
inline Error make_error(const std::string& where, const std::string& what) {
  return Error(where.empty() ? what : where + ": " + what);
}

}  // namespace xbarsim

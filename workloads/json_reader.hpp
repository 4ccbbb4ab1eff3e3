// Strict, self-describing JSON reading: every getter names the file and the key
// path in its error, and finish() rejects keys nobody asked for.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace xbarsim::workloads {

/// The deepest nesting of arrays and objects any xbarsim JSON file may have.
inline constexpr int kMaxJsonDepth = 64;

/// Parses text as JSON; errors name `file` and the line/column. Text nested deeper than
/// kMaxJsonDepth and numbers beyond a double (1e400) are user errors, not parser crashes.
nlohmann::json parse_json_text(const std::string& text, const std::string& file);
nlohmann::ordered_json parse_ordered_json_text(const std::string& text, const std::string& file);
/// Reads (at most kMaxJsonFileBytes, a regular file) and parses a JSON file.
nlohmann::json read_json_file(const std::string& path);
nlohmann::ordered_json read_ordered_json_file(const std::string& path);

/// Pretty JSON for files people read: objects indented by two spaces, arrays of
/// scalars kept on one line. Ends with a newline.
std::string format_json(const nlohmann::ordered_json& value);

class ObjectReader {
 public:
  /// `file` and `path` (e.g. "layers[2]") prefix every error message.
  ObjectReader(const nlohmann::json& object, std::string file, std::string path);

  bool has(const std::string& key) const;
  /// All keys of the object, in document order.
  std::vector<std::string> keys() const;
  const nlohmann::json& raw(const std::string& key);  ///< required, any type
  const nlohmann::json* raw_optional(const std::string& key);

  std::string get_string(const std::string& key);
  std::string get_string(const std::string& key, const std::string& fallback);
  std::optional<std::string> get_optional_string(const std::string& key);
  std::int64_t get_int(const std::string& key, std::int64_t min, std::int64_t max);
  std::int64_t get_int(const std::string& key, std::int64_t min, std::int64_t max, std::int64_t fallback);
  std::optional<std::int64_t> get_optional_int(const std::string& key, std::int64_t min, std::int64_t max);
  double get_number(const std::string& key, double min, double max);
  double get_number(const std::string& key, double min, double max, double fallback);
  bool get_bool(const std::string& key, bool fallback);
  std::vector<std::int64_t> get_int_array(const std::string& key, std::int64_t min, std::int64_t max);
  std::vector<double> get_number_array(const std::string& key, double min, double max);
  /// An int or a [a, b] pair, as PyTorch accepts for kernel_size/stride/padding.
  std::array<int, 2> get_pair(const std::string& key, int min, int max, std::optional<std::array<int, 2>> fallback);
  ObjectReader get_object(const std::string& key);
  std::optional<ObjectReader> get_optional_object(const std::string& key);

  /// "file: path.key"
  std::string where(const std::string& key) const;
  std::string where() const;
  const std::string& file() const { return file_; }
  /// Throws for the first key that no getter read.
  void finish() const;

 private:
  const nlohmann::json* find(const std::string& key);
  [[noreturn]] void fail(const std::string& key, const std::string& expected, const nlohmann::json* got) const;

  const nlohmann::json& obj_;
  std::string file_;
  std::string path_;
  std::set<std::string> used_;
};

}  // namespace xbarsim::workloads

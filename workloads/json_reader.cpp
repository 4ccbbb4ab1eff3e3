#include "workloads/json_reader.hpp"

#include <array>
#include <cmath>

#include "common/error.hpp"
#include "workloads/io.hpp"

namespace xbarsim::workloads {

namespace {

/// Refuses text nested deeper than kMaxJsonDepth, scanning brackets outside strings before the
/// parser runs (its DOM and every copy of it recurse once per level).
void check_depth(const std::string& text, const std::string& file) {
  int depth = 0;
  bool in_string = false;
  std::size_t line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        throw make_error(file, "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels at line " +
                                   std::to_string(line) + " (expected at most " + std::to_string(kMaxJsonDepth) + ")");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

template <typename Json>
Json parse_text(const std::string& text, const std::string& file) {
  check_depth(text, file);
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() carries "[json.exception.parse_error.101] parse error at line L, column C: ..."
    std::string msg = e.what();
    const auto p = msg.find("parse error");
    throw make_error(file, "malformed JSON: " + (p == std::string::npos ? msg : msg.substr(p)));
  } catch (const nlohmann::json::out_of_range& e) {
    // "[json.exception.out_of_range.406] number overflow parsing '1e400'"
    std::string msg = e.what();
    const auto p = msg.find("] ");
    throw make_error(file, (p == std::string::npos ? msg : msg.substr(p + 2)) +
                               ": expected a number representable as a double or a 64-bit integer");
  } catch (const nlohmann::json::exception& e) {
    throw make_error(file, std::string("malformed JSON: ") + e.what());
  }
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& file) {
  return parse_text<nlohmann::json>(text, file);
}

nlohmann::ordered_json parse_ordered_json_text(const std::string& text, const std::string& file) {
  return parse_text<nlohmann::ordered_json>(text, file);
}

nlohmann::json read_json_file(const std::string& path) {
  return parse_json_text(read_file(path, kMaxJsonFileBytes), path);
}

nlohmann::ordered_json read_ordered_json_file(const std::string& path) {
  return parse_ordered_json_text(read_file(path, kMaxJsonFileBytes), path);
}

namespace {
void format_into(const nlohmann::ordered_json& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  if (v.is_object() && !v.empty()) {
    out += "{\n";
    std::size_t i = 0;
    for (const auto& [k, x] : v.items()) {
      out += pad + nlohmann::json(k).dump() + ": ";
      format_into(x, indent + 2, out);
      out += ++i < v.size() ? ",\n" : "\n";
    }
    out += std::string(static_cast<std::size_t>(indent), ' ') + "}";
    return;
  }
  if (v.is_array() && !v.empty()) {
    bool scalars = true;
    for (const auto& x : v) scalars = scalars && !x.is_structured();
    if (scalars) {
      out += v.dump();
      return;
    }
    out += "[\n";
    for (std::size_t i = 0; i < v.size(); ++i) {
      out += pad;
      format_into(v[i], indent + 2, out);
      out += i + 1 < v.size() ? ",\n" : "\n";
    }
    out += std::string(static_cast<std::size_t>(indent), ' ') + "]";
    return;
  }
  out += v.dump();
}
}  // namespace

std::string format_json(const nlohmann::ordered_json& value) {
  std::string out;
  format_into(value, 0, out);
  return out + "\n";
}

namespace {
std::string type_name(const nlohmann::json* j) {
  if (j == nullptr) return "nothing";
  if (j->is_number_integer()) return "integer " + j->dump();
  if (j->is_number()) return "number " + j->dump();
  if (j->is_string()) return "string " + j->dump();
  if (j->is_boolean()) return "boolean " + j->dump();
  if (j->is_array()) return "an array";
  if (j->is_object()) return "an object";
  return "null";
}
}  // namespace

ObjectReader::ObjectReader(const nlohmann::json& object, std::string file, std::string path)
    : obj_(object), file_(std::move(file)), path_(std::move(path)) {
  if (!obj_.is_object()) {
    throw make_error(file_ + (path_.empty() ? "" : ": " + path_), "expected a JSON object, found " + type_name(&obj_));
  }
}

std::string ObjectReader::where(const std::string& key) const {
  return file_ + ": " + (path_.empty() ? key : path_ + "." + key);
}
std::string ObjectReader::where() const { return path_.empty() ? file_ : file_ + ": " + path_; }

bool ObjectReader::has(const std::string& key) const { return obj_.contains(key) && !obj_.at(key).is_null(); }

std::vector<std::string> ObjectReader::keys() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : obj_.items()) {
    (void)value;
    out.push_back(key);
  }
  return out;
}

const nlohmann::json* ObjectReader::find(const std::string& key) {
  used_.insert(key);
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return nullptr;
  return &*it;
}

void ObjectReader::fail(const std::string& key, const std::string& expected, const nlohmann::json* got) const {
  throw Error(where(key) + ": expected " + expected +
              (got == nullptr ? " (key is missing)" : ", found " + type_name(got)));
}

const nlohmann::json& ObjectReader::raw(const std::string& key) {
  const auto* j = find(key);
  if (j == nullptr) fail(key, "a value", nullptr);
  return *j;
}
const nlohmann::json* ObjectReader::raw_optional(const std::string& key) { return find(key); }

std::string ObjectReader::get_string(const std::string& key) {
  const auto* j = find(key);
  if (j == nullptr || !j->is_string()) fail(key, "a string", j);
  return j->get<std::string>();
}
bool ObjectReader::get_bool(const std::string& key, bool fallback) {
  const auto* j = find(key);
  if (j == nullptr) return fallback;
  if (!j->is_boolean()) fail(key, "true or false", j);
  return j->get<bool>();
}

std::string ObjectReader::get_string(const std::string& key, const std::string& fallback) {
  return has(key) ? get_string(key) : (used_.insert(key), fallback);
}
std::optional<std::string> ObjectReader::get_optional_string(const std::string& key) {
  if (!has(key)) {
    used_.insert(key);
    return std::nullopt;
  }
  return get_string(key);
}

std::int64_t ObjectReader::get_int(const std::string& key, std::int64_t min, std::int64_t max) {
  const auto* j = find(key);
  const std::string range = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (j == nullptr || !j->is_number_integer()) fail(key, range, j);
  const auto v = j->get<std::int64_t>();
  if (v < min || v > max) fail(key, range, j);
  return v;
}
std::int64_t ObjectReader::get_int(const std::string& key, std::int64_t min, std::int64_t max, std::int64_t fallback) {
  return has(key) ? get_int(key, min, max) : (used_.insert(key), fallback);
}
std::optional<std::int64_t> ObjectReader::get_optional_int(const std::string& key, std::int64_t min, std::int64_t max) {
  if (!has(key)) {
    used_.insert(key);
    return std::nullopt;
  }
  return get_int(key, min, max);
}

double ObjectReader::get_number(const std::string& key, double min, double max) {
  const auto* j = find(key);
  const std::string range = "a number in [" + nlohmann::json(min).dump() + ", " + nlohmann::json(max).dump() + "]";
  if (j == nullptr || !j->is_number()) fail(key, range, j);
  const double v = j->get<double>();
  if (!std::isfinite(v) || v < min || v > max) fail(key, range, j);
  return v;
}
double ObjectReader::get_number(const std::string& key, double min, double max, double fallback) {
  return has(key) ? get_number(key, min, max) : (used_.insert(key), fallback);
}

std::vector<std::int64_t> ObjectReader::get_int_array(const std::string& key, std::int64_t min, std::int64_t max) {
  const auto* j = find(key);
  const std::string what = "an array of integers in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (j == nullptr || !j->is_array()) fail(key, what, j);
  std::vector<std::int64_t> out;
  for (const auto& e : *j) {
    if (!e.is_number_integer() || e.get<std::int64_t>() < min || e.get<std::int64_t>() > max) fail(key, what, &e);
    out.push_back(e.get<std::int64_t>());
  }
  return out;
}

std::vector<double> ObjectReader::get_number_array(const std::string& key, double min, double max) {
  const auto* j = find(key);
  const std::string what =
      "an array of numbers in [" + nlohmann::json(min).dump() + ", " + nlohmann::json(max).dump() + "]";
  if (j == nullptr || !j->is_array()) fail(key, what, j);
  std::vector<double> out;
  for (const auto& e : *j) {
    if (!e.is_number() || e.get<double>() < min || e.get<double>() > max) fail(key, what, &e);
    out.push_back(e.get<double>());
  }
  return out;
}

std::array<int, 2> ObjectReader::get_pair(const std::string& key, int min, int max,
                                          std::optional<std::array<int, 2>> fallback) {
  const auto* j = find(key);
  const std::string what =
      "an integer or a pair [h, w] of integers in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (j == nullptr) {
    if (fallback) return *fallback;
    fail(key, what, j);
  }
  auto ok = [&](const nlohmann::json& e) {
    return e.is_number_integer() && e.get<std::int64_t>() >= min && e.get<std::int64_t>() <= max;
  };
  if (ok(*j)) return {j->get<int>(), j->get<int>()};
  if (j->is_array() && j->size() == 2 && ok((*j)[0]) && ok((*j)[1])) return {(*j)[0].get<int>(), (*j)[1].get<int>()};
  fail(key, what, j);
}

ObjectReader ObjectReader::get_object(const std::string& key) {
  const auto* j = find(key);
  if (j == nullptr || !j->is_object()) fail(key, "an object", j);
  return ObjectReader(*j, file_, path_.empty() ? key : path_ + "." + key);
}

std::optional<ObjectReader> ObjectReader::get_optional_object(const std::string& key) {
  if (!has(key)) {
    used_.insert(key);
    return std::nullopt;
  }
  return get_object(key);
}

void ObjectReader::finish() const {
  for (const auto& [key, value] : obj_.items()) {
    (void)value;
    if (used_.count(key) == 0) throw Error(where(key) + ": unknown key (check the spelling against docs/formats.md)");
  }
}

}  // namespace xbarsim::workloads

// xbarsim keys: every hardware and device key (mapping/hardware_params.hpp) with its type and
// range, default, unit and meaning, grouped by organisation level; --markdown prints the tables
// of docs/formats.md ("Hardware JSON", "Device JSON").
#include <cstdio>

#include "apps/cli.hpp"
#include "mapping/hardware_params.hpp"

namespace xbarsim::apps {

namespace {

using mapping::ParamSpec;

std::string unit_text(const ParamSpec& p) { return p.unit.empty() ? "-" : p.unit; }

/// The type column of the documentation: enum names and values in code spans.
std::string markdown_type(const ParamSpec& p) {
  if (p.type != mapping::ParamType::Enum) return mapping::type_text(p);
  std::string s = "one of ";
  for (std::size_t i = 0; i < p.choices.size(); ++i) s += (i == 0 ? "`" : ", `") + p.choices[i] + "`";
  return s;
}

void markdown_row(const ParamSpec& p, const std::string& default_value) {
  std::printf("| `%s` | %s | `%s` | %s | %s |\n", p.key.c_str(), markdown_type(p).c_str(), default_value.c_str(),
              unit_text(p).c_str(), p.meaning.c_str());
}

constexpr const char* kHeader = "| key | type | default | unit | meaning |\n|---|---|---|---|---|\n";

std::string heading(mapping::Level level) {
  std::string s = mapping::level_name(level);
  if (s == "ima") return "IMA";
  s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

void print_markdown() {
  std::printf("<!-- Hardware JSON: one table per level -->\n");
  for (const auto level : mapping::levels()) {
    std::printf("\n### %s\n\n%s", heading(level).c_str(), kHeader);
    for (const auto& p : mapping::hardware_params()) {
      if (p.level == level) markdown_row(p, mapping::default_text(p));
    }
  }
  std::printf("\n<!-- Device JSON -->\n\n%s", kHeader);
  for (const auto& p : mapping::device_params()) markdown_row(p, mapping::default_text(p));
}

void text_row(const ParamSpec& p, const std::string& key, const std::string& default_value) {
  std::string line = mapping::type_text(p) + "; default " + default_value;
  if (!p.unit.empty()) line += "; " + p.unit;
  std::printf("  %-29s %s\n  %-29s %s\n", key.c_str(), line.c_str(), "", p.meaning.c_str());
}

void print_text() {
  std::printf(
      "xbarsim keys: every key of a hardware JSON file, of --set key=value and of sweep axes, by level\n"
      "(docs/formats.md, \"Hardware JSON\"); device keys are reached as device.<key>, a layer's copies\n"
      "as replicas.<layer>.\n");
  for (const auto level : mapping::levels()) {
    std::printf("\n%s\n", mapping::level_name(level).c_str());
    for (const auto& p : mapping::hardware_params()) {
      if (p.level == level) text_row(p, p.key, mapping::default_text(p));
    }
    if (level != mapping::Level::Device) continue;
    for (const auto& p : mapping::device_params()) text_row(p, "device." + p.key, mapping::default_text(p));
  }
}

}  // namespace

int cmd_keys(const std::vector<std::string>& args) {
  bool markdown = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("markdown", po::bool_switch(&markdown),
                                                 "print the key tables of docs/formats.md instead");
  po::variables_map vm;
  if (!parse_args(args, opts, "xbarsim keys [--markdown]", "", vm)) return 0;
  if (markdown) {
    print_markdown();
  } else {
    print_text();
  }
  return 0;
}

}  // namespace xbarsim::apps

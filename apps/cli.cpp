#include "apps/cli.hpp"

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "common/error.hpp"
#include "workloads/io.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::apps {

void store_options(const po::parsed_options& parsed, const po::options_description& options, po::variables_map& vm) {
  // Boost converts "-1" to an unsigned option by wrapping it to 2^32 - 1: refuse it here.
  for (const auto& o : parsed.options) {
    const auto* d = options.find_nothrow(o.string_key, false);
    if (d == nullptr) continue;
    const auto* sem = d->semantic().get();
    const bool is_unsigned = dynamic_cast<const po::typed_value<unsigned>*>(sem) != nullptr ||
                             dynamic_cast<const po::typed_value<unsigned long>*>(sem) != nullptr ||
                             dynamic_cast<const po::typed_value<unsigned long long>*>(sem) != nullptr;
    if (!is_unsigned) continue;
    for (const auto& v : o.value) {
      const auto first = v.find_first_not_of(" \t");
      if (first != std::string::npos && v[first] == '-') {
        throw Error("--" + o.string_key + ": expected a non-negative integer, found '" + v + "'");
      }
    }
  }
  po::store(parsed, vm);
}

bool parse_args(const std::vector<std::string>& args, const po::options_description& options, const std::string& usage,
                const std::string& positional_name, po::variables_map& vm, bool outputs_are_files) {
  po::options_description all;
  all.add(options);
  po::positional_options_description pos;
  if (!positional_name.empty()) pos.add(positional_name.c_str(), 1);
  store_options(po::command_line_parser(args).options(all).positional(pos).run(), all, vm);
  if (vm.count("help") != 0U) {
    std::cout << "usage: " << usage << "\n\n" << options << "\n";
    return false;
  }
  po::notify(vm);
  if (outputs_are_files) check_output_files(vm);
  return true;
}

void check_output_files(const po::variables_map& vm) {
  for (const char* name : {"output", "stats", "vcd"}) {
    if (vm.count(name) == 0) continue;
    const auto* v = boost::any_cast<std::string>(&vm[name].value());
    if (v != nullptr && !v->empty()) workloads::check_output_path(*v, std::string("--") + name);
  }
}

void add_ptq_options(po::options_description& opts, study::PtqArgs& a) {
  opts.add_options()("seed", po::value(&a.seed)->default_value(a.seed),
                     "seed of every random draw: device programming and read noise (run), calibration images of "
                     "post-training quantization")("data-dir", po::value(&a.data_dir)->default_value(""),
                                                   "data set folder (default: the Debian package's)")(
      "weight-bits", po::value(&a.weight_bits)->default_value(a.weight_bits),
      "post-training quantization of a float workload: weight bits")(
      "activation-bits", po::value(&a.activation_bits)->default_value(a.activation_bits),
      "post-training quantization: activation bits")("per-channel", po::bool_switch(&a.per_channel),
                                                     "post-training quantization: one weight scale per output channel")(
      "calibration-images", po::value(&a.calibration_images)->default_value(a.calibration_images),
      "post-training quantization: training images for calibration");
}

namespace {
bool progress_enabled() {
  const char* ci = std::getenv("CI");
  return ::isatty(STDERR_FILENO) != 0 && (ci == nullptr || *ci == '\0');
}
}  // namespace

std::function<void(std::int64_t, std::int64_t)> terminal_progress(const std::string& label) {
  if (!progress_enabled()) return {};
  return [label](std::int64_t done, std::int64_t total) {
    std::fprintf(stderr, "\r%s %lld/%lld images (%3.0f%%)", label.c_str(), static_cast<long long>(done),
                 static_cast<long long>(total),
                 total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 0.0);
    std::fflush(stderr);
  };
}

void progress_note(const std::string& text) {
  if (progress_enabled()) {
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    std::fflush(stderr);
  }
}

void end_progress() {
  if (progress_enabled()) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
}

void write_json_report(const std::string& path, const nlohmann::ordered_json& report) {
  workloads::write_file_atomic(path, workloads::format_json(report));
}

}  // namespace xbarsim::apps

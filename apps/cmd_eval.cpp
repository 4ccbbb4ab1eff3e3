// xbarsim eval: top-1 accuracy of a workload on its data set with the reference engine.
#include <cstdio>
#include <iostream>

#include "apps/cli.hpp"
#include "common/error.hpp"
#include "common/parallel.hpp"
#include "sim/calibrate.hpp"
#include "sim/reference.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

namespace xbarsim::apps {

namespace {

struct EvalArgs {
  std::string workload;
  std::string precision = "float";
  std::int64_t limit = 0;
  unsigned threads = 0;
  std::int64_t batch = 64;
  std::string output;
  study::PtqArgs ptq;
};

/// The text report, written from the same JSON the --output file gets.
void print_text(const nlohmann::ordered_json& r) {
  const auto& w = r["workload"];
  const auto& s = r["settings"];
  const auto& res = r["results"];
  std::printf("xbarsim eval: %s (%s)\n", w["name"].get<std::string>().c_str(), w["path"].get<std::string>().c_str());
  std::printf("  data set      %s test split, %lld images\n", s["dataset"].get<std::string>().c_str(),
              res["images"].get<long long>());
  std::printf("  precision     %s", s["precision"].get<std::string>().c_str());
  if (s.contains("quantization")) {
    const auto& q = s["quantization"];
    std::printf(" (%d-bit weights, %d-bit activations, power-of-two scales, %s", q["weight_bits"].get<int>(),
                q["activation_bits"].get<int>(), q["source"].get<std::string>().c_str());
    if (q["source"] == "post-training")
      std::printf(" on %lld training images, seed %llu", q["calibration_images"].get<long long>(),
                  q["seed"].get<unsigned long long>());
    std::printf(")");
  }
  std::printf("\n  accuracy      %.2f %%  (%lld / %lld correct)\n", 100.0 * res["accuracy"].get<double>(),
              res["correct"].get<long long>(), res["images"].get<long long>());
  for (const auto& [k, v] : w["recorded_accuracy"].items()) {
    std::printf("  recorded      %-6s %.2f %%  (workload metadata, full test set)\n", k.c_str(),
                100.0 * v.get<double>());
  }
  std::printf("  time          %.2f s, %.0f images/s, %u threads\n", res["wall_time_s"].get<double>(),
              res["images_per_s"].get<double>(), s["threads"].get<unsigned>());
}

}  // namespace

int cmd_eval(const std::vector<std::string>& args) {
  EvalArgs a;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("workload", po::value(&a.workload)->required(),
                                                 "network JSON (positional)")(
      "precision", po::value(&a.precision)->default_value(a.precision),
      "float, or int (the arithmetic contract; a float workload is post-training quantized first)")(
      "limit", po::value(&a.limit)->default_value(0), "evaluate the first N test images (0 = all)")(
      "threads", po::value(&a.threads)->default_value(0),
      "worker threads (0 = all cores); results do not depend on it")(
      "batch", po::value(&a.batch)->default_value(a.batch), "images per work chunk")(
      "output,o", po::value(&a.output)->default_value(""), "write the report as JSON to this file");
  add_ptq_options(opts, a.ptq);
  po::variables_map vm;
  if (!parse_args(args, opts, "xbarsim eval <workload.json> [options]", "workload", vm)) return 0;
  const sim::Precision precision = sim::parse_precision(a.precision);
  if (a.limit < 0) throw Error("--limit: expected a non-negative number of images, found " + std::to_string(a.limit));
  if (a.batch < 1) throw Error("--batch: expected at least 1, found " + std::to_string(a.batch));

  workloads::Network net = study::load_workload(a.workload);
  const auto test = workloads::load_dataset(net.dataset, a.ptq.data_dir, workloads::Split::Test);
  nlohmann::ordered_json quant;
  if (precision == sim::Precision::Int) quant = study::ensure_integer(net, a.ptq);
  const sim::ReferenceEngine engine(net, precision);
  sim::EvalOptions eo;
  eo.limit = a.limit;
  eo.threads = resolve_threads(a.threads);
  eo.batch = a.batch;
  eo.progress = terminal_progress("eval " + net.name + " (" + a.precision + ")");
  const auto result = sim::evaluate(engine, test, net.dataset.normalization, eo);
  end_progress();

  nlohmann::ordered_json report;
  report["version"] = 1;
  report["command"] = "eval";
  report["workload"] = {{"path", a.workload},
                        {"name", net.name},
                        {"parameters", net.parameter_count()},
                        {"recorded_accuracy", net.metadata.accuracy}};
  report["settings"] = {{"precision", a.precision}, {"dataset", net.dataset.name}, {"limit", a.limit},
                        {"threads", eo.threads},    {"seed", a.ptq.seed},          {"batch", a.batch}};
  if (!quant.is_null()) report["settings"]["quantization"] = quant;
  report["results"] = {
      {"images", result.images},
      {"correct", result.correct},
      {"accuracy", result.accuracy()},
      {"wall_time_s", result.wall_time_s},
      {"images_per_s", result.wall_time_s > 0 ? static_cast<double>(result.images) / result.wall_time_s : 0.0}};
  if (!a.output.empty()) write_json_report(a.output, report);
  print_text(report);
  return 0;
}

}  // namespace xbarsim::apps

// xbarsim sweep: a parameter sweep (crossbar size, ADC bits, any --set key) of one workload,
// every point (or trial group) evaluated as a design (sweep/design_points.hpp) in a child
// process of its own; results table, plots; resumable and shardable. `xbarsim sweep merge`
// gathers shards; `xbarsim sweep plan --slurm` writes (and submits) the cluster jobs.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "apps/cli.hpp"
#include "common/error.hpp"
#include "common/parallel.hpp"
#include "sweep/design_points.hpp"
#include "sweep/runner.hpp"
#include "sweep/slurm.hpp"
#include "sweep/spec.hpp"

namespace xbarsim::apps {

namespace {

constexpr const char* kUsage =
    "xbarsim sweep <sweep.json> [-o DIR] [--jobs N] [--threads T] [--shard i/N] [--no-plot]\n"
    "       xbarsim sweep merge <DIR>... -o <DIR> [--no-plot]\n"
    "       xbarsim sweep plan <sweep.json> --slurm --shards N [-o DIR] [--cpus-per-task C] [--submit] [options]";

int merge(const std::vector<std::string>& args) {
  std::vector<std::string> dirs;
  std::string out;
  bool no_plot = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("dirs", po::value(&dirs)->composing(),
                                                 "sweep output folders (positional; shards of one sweep)")(
      "output,o", po::value(&out)->required(), "folder for the merged sweep (may be one of the inputs)")(
      "no-plot", po::bool_switch(&no_plot), "write the tables only");
  po::positional_options_description pos;
  pos.add("dirs", -1);
  po::variables_map vm;
  store_options(po::command_line_parser(args).options(opts).positional(pos).run(), opts, vm);
  if (vm.count("help") != 0U) {
    std::cout << "usage: " << kUsage << "\n\n" << opts << "\n";
    return 0;
  }
  po::notify(vm);
  if (dirs.empty()) throw Error("sweep merge: expected at least one sweep output folder");
  sweep::PlotOptions o;
  o.plot = !no_plot;
  sweep::merge_sweeps(dirs, out, sweep::design_evaluation(sweep::load_output_spec(dirs[0]), "").combine, o);
  return 0;
}

/// `xbarsim sweep plan <spec> --slurm`: the folder prepared and the array and merge jobs
/// written (and submitted with --submit).
int plan(const std::vector<std::string>& args) {
  std::string spec_path, out, partition, time_limit, memory, data_dir;
  std::vector<std::string> sbatch_options;
  std::size_t shards = 0;
  unsigned cpus = 1, jobs = 1;
  bool slurm = false, submit = false, no_plot = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("sweep", po::value(&spec_path)->required(), "sweep JSON (positional)")(
      "slurm", po::bool_switch(&slurm), "plan for Slurm (sbatch array job + merge job); required")(
      "output,o", po::value(&out)->default_value(""),
      "output folder on a file system every node sees (default: sweep_<name> in the current folder)")(
      "shards", po::value(&shards)->required(), "array tasks, one shard of the sweep each")(
      "cpus-per-task", po::value(&cpus)->default_value(cpus), "cores of each task (sbatch --cpus-per-task)")(
      "jobs", po::value(&jobs)->default_value(jobs), "units a task evaluates at a time (its cores split among them)")(
      "partition", po::value(&partition)->default_value(""), "sbatch --partition (default: the cluster's)")(
      "time", po::value(&time_limit)->default_value(""), "sbatch --time of each task, e.g. 02:00:00")(
      "mem", po::value(&memory)->default_value(""), "sbatch --mem of each task, e.g. 4G")(
      "sbatch", po::value(&sbatch_options)->composing(), "one more sbatch option for both jobs (repeatable)")(
      "data-dir", po::value(&data_dir)->default_value(""), "data set folder every node sees")(
      "submit", po::bool_switch(&submit), "submit both jobs with sbatch (the merge job afterok the array)")(
      "no-plot", po::bool_switch(&no_plot), "the merge writes the tables only");
  po::variables_map vm;
  if (!parse_args(args, opts, kUsage, "sweep", vm, false)) return 0;
  if (!slurm) throw Error("sweep plan: expected --slurm (the batch system it plans for)");
  if (shards < 1) throw Error("--shards: expected at least 1, found 0");
  if (cpus < 1) throw Error("--cpus-per-task: expected at least 1, found 0");
  if (jobs < 1) throw Error("--jobs: expected at least 1, found 0");
  const sweep::SweepSpec spec = sweep::load_spec(spec_path);
  sweep::check_design_points(spec);
  namespace fs = std::filesystem;
  sweep::SlurmPlan p;
  p.xbarsim = fs::read_symlink("/proc/self/exe").string();
  p.spec = fs::absolute(spec_path).lexically_normal().string();
  p.dir = fs::absolute(out.empty() ? "sweep_" + spec.name : out).lexically_normal().string();
  p.shards = shards;
  p.cpus_per_task = cpus;
  p.jobs = jobs;
  p.partition = partition;
  p.time_limit = time_limit;
  p.memory = memory;
  p.sbatch_options = sbatch_options;
  p.data_dir = data_dir.empty() ? "" : fs::absolute(data_dir).lexically_normal().string();
  p.plot = !no_plot;
  sweep::check_slurm_plan(p);
  // Nothing is left behind when planning or submitting fails: a folder this command made goes,
  // in a folder that was there the scripts it wrote go.
  std::error_code probe;
  const bool new_dir = !fs::exists(p.dir, probe);
  const auto undo = [&] {
    std::error_code ec;
    if (new_dir) {
      fs::remove_all(p.dir, ec);
    } else {
      for (const char* f : {"slurm/array.sh", "slurm/merge.sh", "slurm/jobs.json"}) fs::remove(fs::path(p.dir) / f, ec);
    }
  };
  sweep::SlurmFiles files;
  try {
    sweep::prepare_output_dir(spec, p.dir);
    files = sweep::write_slurm_scripts(p);
  } catch (...) {
    undo();
    throw;
  }
  std::printf("xbarsim sweep plan: %s, %zu points in %zu array tasks (%u cores each) -> %s\n", spec.name.c_str(),
              sweep::point_count(spec), shards, cpus, p.dir.c_str());
  std::printf("  wrote %s and %s\n", files.array_script.c_str(), files.merge_script.c_str());
  if (!submit) {
    std::printf("  submit with: jid=$(sbatch --parsable %s) && sbatch --dependency=afterok:$jid %s\n",
                files.array_script.c_str(), files.merge_script.c_str());
    return 0;
  }
  sweep::SlurmJobs j;
  try {
    j = sweep::submit_slurm(p, files);
  } catch (...) {
    undo();  // submit_slurm has cancelled an array job whose merge job was refused
    throw;
  }
  std::printf("  submitted array job %s (%zu tasks) and merge job %s (afterok:%s); ids in %s/slurm/jobs.json\n",
              j.array.c_str(), shards, j.merge.c_str(), j.array.c_str(), p.dir.c_str());
  return 0;
}

}  // namespace

int cmd_sweep(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "merge") return merge(std::vector<std::string>(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "plan") return plan(std::vector<std::string>(args.begin() + 1, args.end()));
  std::string spec_path, out, shard;
  unsigned jobs = 0, threads = 0;
  bool no_plot = false;
  std::string data_dir;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("sweep", po::value(&spec_path)->required(),
                                                 "sweep JSON (positional; docs/formats.md, \"Sweep JSON\")")(
      "output,o", po::value(&out)->default_value(""), "output folder (default: sweep_<name> in the current folder)")(
      "jobs,j", po::value(&jobs)->default_value(0), "points evaluated at a time, each in its own process (0 = cores)")(
      "threads", po::value(&threads)->default_value(0),
      "threads per point (0 = 1 when --jobs > 1, else all cores); results do not depend on it")(
      "shard", po::value(&shard)->default_value(""),
      "i/N: run only the points with index % N == i (writes point files only; gather with xbarsim sweep merge)")(
      "no-plot", po::bool_switch(&no_plot), "write the tables only")(
      "data-dir", po::value(&data_dir)->default_value(""), "data set folder (default: the Debian package's)");
  po::variables_map vm;
  if (!parse_args(args, opts, kUsage, "sweep", vm, false)) return 0;

  const sweep::SweepSpec spec = sweep::load_spec(spec_path);
  sweep::RunOptions o;
  o.dir = out.empty() ? "sweep_" + spec.name : out;
  o.jobs = resolve_threads(jobs);
  o.threads = threads != 0 ? threads : (o.jobs > 1 ? 1U : 0U);
  if (!shard.empty()) sweep::parse_shard(shard, "--shard", o.shard, o.shards);
  o.output.plot = !no_plot;
  sweep::check_design_points(spec);
  const auto sum = sweep::run_sweep(spec, sweep::design_evaluation(spec, data_dir), o);
  if (!sum.failures.empty()) {
    std::string ids;
    for (const auto& f : sum.failures) ids += (ids.empty() ? "" : ", ") + f.id;
    throw Error("sweep: " + std::to_string(sum.failures.size()) + " of " + std::to_string(sum.selected) +
                (spec.trial_groups > 1 ? " units" : " points") + " failed (" + ids + "); their logs are in " + o.dir +
                "/logs and errors in " + o.dir + "/runs.csv; rerun to retry them (finished ones are kept)");
  }
  return 0;
}

}  // namespace xbarsim::apps

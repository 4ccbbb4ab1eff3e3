#include "sweep/slurm.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/child_process.hpp"
#include "common/error.hpp"
#include "workloads/io.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::sweep {

namespace {

namespace fs = std::filesystem;

/// A word for a POSIX shell: single-quoted, with embedded quotes closed and escaped.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

void check_line(const std::string& value, const std::string& what) {
  if (value.find_first_of("\n\r") != std::string::npos) {
    throw Error(what + ": expected one line, found a line break in '" + value + "'");
  }
}

std::string header(const SlurmPlan& p, const std::string& name, const std::string& log) {
  std::string h = "#!/bin/bash\n";
  h += "#SBATCH --job-name=" + name + "\n";
  h += "#SBATCH --output=" + log + "\n";
  h += "#SBATCH --open-mode=append\n";
  if (!p.partition.empty()) h += "#SBATCH --partition=" + p.partition + "\n";
  if (!p.memory.empty()) h += "#SBATCH --mem=" + p.memory + "\n";
  for (const auto& o : p.sbatch_options) h += "#SBATCH " + o + "\n";
  return h;
}

}  // namespace

void check_slurm_plan(const SlurmPlan& p) {
  if (p.shards < 1) throw Error("--shards: expected at least 1");
  if (p.cpus_per_task < 1) throw Error("--cpus-per-task: expected at least 1");
  for (const auto* v : {&p.partition, &p.time_limit, &p.memory, &p.xbarsim, &p.spec, &p.dir, &p.data_dir}) {
    check_line(*v, "slurm plan");
  }
  for (const auto& o : p.sbatch_options) {
    check_line(o, "--sbatch");
    if (o.rfind("--", 0) != 0) throw Error("--sbatch: expected an sbatch option starting with --, found '" + o + "'");
  }
}

SlurmFiles write_slurm_scripts(const SlurmPlan& p) {
  check_slurm_plan(p);
  const fs::path slurm = fs::path(p.dir) / "slurm";
  std::error_code ec;
  fs::create_directories(slurm / "logs", ec);
  if (ec) throw make_error(slurm.string(), "cannot create the folder (" + ec.message() + ")");
  const std::string name = "xbarsim-" + fs::path(p.dir).filename().string();
  const unsigned jobs = p.jobs < 1 ? 1U : p.jobs;
  const unsigned threads = p.cpus_per_task / jobs > 0 ? p.cpus_per_task / jobs : 1U;

  std::string array = header(p, name, (slurm / "logs" / "shard-%a.log").string());
  array += "#SBATCH --array=0-" + std::to_string(p.shards - 1) + "\n";
  array += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=" + std::to_string(p.cpus_per_task) + "\n";
  if (!p.time_limit.empty()) array += "#SBATCH --time=" + p.time_limit + "\n";
  array += "#SBATCH --requeue\n";
  array +=
      "# One shard of the sweep per array task, into the shared output folder. A requeued or\n"
      "# preempted task reruns this script and skips the units whose files exist.\n"
      "set -euo pipefail\n"
      "echo \"xbarsim sweep task ${SLURM_ARRAY_TASK_ID} of job ${SLURM_ARRAY_JOB_ID} on $(hostname), "
      "restart ${SLURM_RESTART_COUNT:-0}\"\n";
  array += "exec " + quote(p.xbarsim) + " sweep " + quote(p.spec) + " -o " + quote(p.dir) +
           " --shard \"${SLURM_ARRAY_TASK_ID}/" + std::to_string(p.shards) + "\" --jobs " + std::to_string(jobs) +
           " --threads " + std::to_string(threads);
  if (!p.data_dir.empty()) array += " --data-dir " + quote(p.data_dir);
  array += "\n";

  std::string merge = header(p, name + "-merge", (slurm / "logs" / "merge.log").string());
  merge += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n";
  merge +=
      "# Runs once every array task succeeded (submitted with --dependency=afterok:<array job>).\n"
      "set -euo pipefail\n";
  merge += "exec " + quote(p.xbarsim) + " sweep merge " + quote(p.dir) + " -o " + quote(p.dir) +
           (p.plot ? "" : " --no-plot") + "\n";

  SlurmFiles f;
  f.array_script = (slurm / "array.sh").string();
  f.merge_script = (slurm / "merge.sh").string();
  workloads::write_files_atomic({{f.array_script, array}, {f.merge_script, merge}});
  fs::permissions(f.array_script, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add, ec);
  fs::permissions(f.merge_script, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add, ec);
  return f;
}

namespace {

std::string sbatch(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"sbatch", "--parsable"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out, err;
  const int rc = run_program(argv, out, err);
  while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
  if (rc != 0) {
    const auto nl = err.find_last_of('\n');
    throw Error("sbatch " + args.back() + ": refused (exit " + std::to_string(rc) +
                "): " + (nl == std::string::npos ? err : err.substr(nl + 1)));
  }
  // --parsable prints "<jobid>[;<cluster>]".
  const auto end = out.find_first_of(";\n");
  std::string id = out.substr(0, end);
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    throw Error("sbatch " + args.back() + ": expected a job id, found '" + out + "'");
  }
  return id;
}

}  // namespace

SlurmJobs submit_slurm(const SlurmPlan& p, const SlurmFiles& f) {
  SlurmJobs j;
  j.array = sbatch({f.array_script});
  try {
    j.merge = sbatch({"--dependency=afterok:" + j.array, "--kill-on-invalid-dep=yes", f.merge_script});
  } catch (const Error& e) {
    // No array without its merge: take the array job back.
    std::string out, err;
    const bool cancelled = run_program({"scancel", j.array}, out, err) == 0;
    throw Error(std::string(e.what()) + (cancelled ? "; array job " + j.array + " cancelled"
                                                   : "; cancel array job " + j.array + " by hand (scancel failed)"));
  }
  const nlohmann::ordered_json doc = {{"array", j.array}, {"merge", j.merge}, {"shards", p.shards}};
  workloads::write_file_atomic((fs::path(p.dir) / "slurm" / "jobs.json").string(), workloads::format_json(doc));
  return j;
}

}  // namespace xbarsim::sweep

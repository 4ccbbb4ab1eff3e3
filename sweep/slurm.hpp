// Sweeps on a Slurm cluster: an array job with one task per shard (each task runs
// `xbarsim sweep <spec> --shard i/N` into one shared output folder, requeueable: a requeued
// or preempted task skips the units it finished) and a merge job that runs after every task
// succeeded (--dependency=afterok). The scripts are plain sbatch files a user can read, edit
// and submit by hand; submit() calls sbatch for them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace xbarsim::sweep {

struct SlurmPlan {
  std::string xbarsim;     ///< absolute path of the xbarsim executable the tasks run
  std::string spec;        ///< absolute path of the sweep JSON
  std::string dir;         ///< absolute output folder (on a file system every node sees)
  std::size_t shards = 1;  ///< array tasks
  unsigned cpus_per_task = 1;
  unsigned jobs = 1;                        ///< units evaluated at a time inside a task (threads split among them)
  std::string partition;                    ///< "" = the cluster's default
  std::string time_limit;                   ///< "" = the partition's; else sbatch --time (e.g. 02:00:00)
  std::string memory;                       ///< "" = the cluster's default; else sbatch --mem (e.g. 4G)
  std::vector<std::string> sbatch_options;  ///< more "#SBATCH" options, as given (e.g. --account=x)
  std::string data_dir;                     ///< passed to every task ("" = the default)
  bool plot = true;                         ///< the merge job draws the plots
};

struct SlurmFiles {
  std::string array_script;  ///< <dir>/slurm/array.sh
  std::string merge_script;  ///< <dir>/slurm/merge.sh
};

/// Throws xbarsim::Error on a bad plan (shards 0, an option with a line break or not starting
/// with --, ...): call before creating anything.
void check_slurm_plan(const SlurmPlan& plan);

/// Writes the array and merge scripts into <dir>/slurm (and <dir>/slurm/logs), after
/// check_slurm_plan.
SlurmFiles write_slurm_scripts(const SlurmPlan& plan);

struct SlurmJobs {
  std::string array;
  std::string merge;
};

/// Submits the array job, then the merge job depending on it (afterok), with `sbatch`
/// (SBATCH, SLURM_CONF etc. from the environment), and records both ids in
/// <dir>/slurm/jobs.json. Throws xbarsim::Error with sbatch's message when it refuses.
SlurmJobs submit_slurm(const SlurmPlan& plan, const SlurmFiles& files);

}  // namespace xbarsim::sweep

// Shared pieces of the xbarsim subcommands: option parsing conventions, progress, report output.
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "study/workload.hpp"

namespace xbarsim::apps {

namespace po = boost::program_options;

/// A subcommand: its name, one-line summary and entry point (args exclude the subcommand name).
struct Command {
  std::string name;
  std::string summary;
  std::function<int(const std::vector<std::string>& args)> run;
};

/// po::store, after refusing a negative value for an unsigned option (Boost wraps "-1" around).
void store_options(const po::parsed_options& parsed, const po::options_description& options, po::variables_map& vm);

/// Refuses the output files (options output, stats and vcd, when given) before any work:
/// a directory, a missing or unwritable folder.
void check_output_files(const po::variables_map& vm);

/// Parses args against `options` with one positional `positional_name` (empty = none), then
/// checks the output files (check_output_files) unless `outputs_are_files` is false (a sweep's
/// --output is a folder). Returns false when --help was given (help
/// already printed).
bool parse_args(const std::vector<std::string>& args, const po::options_description& options, const std::string& usage,
                const std::string& positional_name, po::variables_map& vm, bool outputs_are_files = true);

/// Progress on stderr when it is a terminal and CI is not set; nothing otherwise.
std::function<void(std::int64_t, std::int64_t)> terminal_progress(const std::string& label);
/// A one-line status on a terminal (overwritten by the next, cleared by end_progress); nothing
/// when stderr is not a terminal, so an error stays the only line there.
void progress_note(const std::string& text);
/// Ends a progress line if one was drawn.
void end_progress();

/// Writes a report atomically (or not at all on error).
void write_json_report(const std::string& path, const nlohmann::ordered_json& report);

/// Adds --weight-bits, --activation-bits, --per-channel, --calibration-images, --seed, --data-dir.
void add_ptq_options(po::options_description& opts, study::PtqArgs& a);
int cmd_eval(const std::vector<std::string>& args);
int cmd_quantize(const std::vector<std::string>& args);
int cmd_info(const std::vector<std::string>& args);
int cmd_convert(const std::vector<std::string>& args);
int cmd_map(const std::vector<std::string>& args);
int cmd_cost(const std::vector<std::string>& args);
int cmd_peak(const std::vector<std::string>& args);
int cmd_import(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args);
int cmd_compare(const std::vector<std::string>& args);
int cmd_sweep(const std::vector<std::string>& args);
int cmd_keys(const std::vector<std::string>& args);

}  // namespace xbarsim::apps

// The spec §1 commands. Each lives in its own cmd_<name>.cc and returns a process exit code
// (segsync::ExitCode). main.cc parses the command line into CommandOptions and dispatches.
#pragma once

#include <optional>
#include <string>

namespace segsync::cli {

// Every option any command takes; each command reads the ones it registered.
struct CommandOptions {
  std::string config_path;    // --config; empty: ./segsync.yaml, then /etc/segsync/segsync.yaml
  std::string export_path;    // --export: overrides crm.export
  std::string as_of;          // --as-of: a date or an ISO date-time; empty = now
  std::string format = "text";  // --format: text | json | csv
  std::string output;         // --output FILE
  std::string segment;        // --segment ID (explain)
  std::string crm_id;         // positional CRM_ID (explain)
  std::string approve;        // --approve PLAN_ID (sync)
  bool dry_run = false;       // --dry-run (sync)
  int last = 20;              // --last N (runs)
  std::string from, to;       // --from/--to DATE (report)
  bool verbose = false;       // -v: debug log lines
};

int RunValidate(const CommandOptions& o);
int RunTest(const CommandOptions& o);
int RunSegments(const CommandOptions& o);
int RunExplain(const CommandOptions& o);
int RunPlan(const CommandOptions& o);
int RunSync(const CommandOptions& o);
int RunDaemon(const CommandOptions& o);
int RunRuns(const CommandOptions& o);
int RunReport(const CommandOptions& o);

}  // namespace segsync::cli

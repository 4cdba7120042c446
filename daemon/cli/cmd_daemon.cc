#include <cstdio>

#include "base/error.h"
#include "cli/commands.h"

namespace segsync::cli {

// Placeholder until the module behind this command is wired in.
int RunDaemon(const CommandOptions&) {
  std::fprintf(stderr, "segsync: 'daemon' is not available in this build yet\n");
  return static_cast<int>(ExitCode::kUsage);
}

}  // namespace segsync::cli

// systemd/segsync.service: the keys operators and the daemon rely on, `systemd-analyze verify`
// (with ExecStart pointed at the built binary in a temp copy) and an offline security score
// of at most 2.5. The systemd-analyze checks are skipped where it is not installed.
#include <unistd.h>

#include <regex>

#include <doctest/doctest.h>

#include "test_support.h"

namespace segsync {
namespace {

const std::string kUnit = std::string(SEGSYNC_SOURCE_DIR) + "/systemd/segsync.service";

TEST_CASE("unit file: required settings") {
  std::string unit = testing::ReadFile(kUnit);
  for (const char* line :
       {"Type=notify", "NotifyAccess=main", "WatchdogSec=60", "Restart=on-failure",
        "DynamicUser=yes", "StateDirectory=segsync", "ConfigurationDirectory=segsync",
        "LoadCredential=wecom-secret:/etc/segsync/wecom-secret",
        "ExecStart=/usr/bin/segsync daemon --config /etc/segsync/segsync.yaml",
        "ExecReload=/bin/kill -HUP $MAINPID", "ProtectSystem=strict", "ProtectHome=yes",
        "PrivateTmp=yes", "PrivateDevices=yes", "NoNewPrivileges=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "SystemCallFilter=@system-service",
        "SystemCallArchitectures=native", "CapabilityBoundingSet=\n", "UMask=0077",
        "MemoryDenyWriteExecute=yes", "TimeoutStopSec=15"}) {
    CAPTURE(line);
    CHECK(unit.find(std::string("\n") + line) != std::string::npos);
  }
}

TEST_CASE("unit file: systemd-analyze verify and security score") {
  if (access("/usr/bin/systemd-analyze", X_OK) != 0) {
    MESSAGE("systemd-analyze not installed: skipped");
    return;
  }
  testing::TempDir dir;
  std::string unit = testing::ReadFile(kUnit);
  std::string from = "ExecStart=/usr/bin/segsync";
  unit.replace(unit.find(from), from.size(), std::string("ExecStart=") + SEGSYNC_BIN);
  testing::WriteFile(dir / "segsync.service", unit);

  auto verify = testing::Run({"/usr/bin/systemd-analyze", "verify", dir / "segsync.service"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.err.find("segsync.service") == std::string::npos);  // no warning about our unit

  auto security = testing::Run({"/usr/bin/systemd-analyze", "security", "--offline=yes",
                                "--no-pager", dir / "segsync.service"});
  INFO(security.out << security.err);
  std::smatch m;
  std::regex score_re("Overall exposure level for segsync.service: ([0-9.]+)");
  REQUIRE(std::regex_search(security.out, m, score_re));
  double score = std::stod(m[1]);
  MESSAGE("systemd-analyze security exposure: " << score);
  CHECK(score <= 2.5);
}

}  // namespace
}  // namespace segsync

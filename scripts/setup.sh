#!/usr/bin/env bash
# Installs everything segsync needs to build and test, from Debian 12's archive only.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  cmake g++ make pkg-config tzdata ca-certificates openssl sqlite3 python3 \
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev libsqlite3-dev \
  libsqlitecpp-dev libyaml-cpp-dev libfmt-dev doctest-dev libsystemd-dev libcli11-dev \
  libre2-dev libhowardhinnant-date-dev libexpat1-dev \
  prometheus systemd time >/dev/null
# prometheus brings promtool (the tests lint /metrics with it); systemd brings systemd-analyze
# (the unit file checks); time measures the benchmarks' peak memory.

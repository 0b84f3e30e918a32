#!/usr/bin/env bash
# The test command: set up, build, and run every test case through CTest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/build.sh
ctest --preset release "$@"

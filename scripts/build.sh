#!/usr/bin/env bash
# Sets the machine up (scripts/setup.sh) and builds the release preset.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release

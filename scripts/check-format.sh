#!/usr/bin/env bash
# Fails if any C++ file in the tree is not formatted with the project's .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cpp' '*.hpp' '*.h')
bad=()
for f in $files; do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
    echo "not formatted (run clang-format -i):" "${bad[@]}" >&2
    exit 1
fi
echo "format: ok"

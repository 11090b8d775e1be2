#!/usr/bin/env bash
# Builds the `fuzz` preset (clang 14, libFuzzer, ASan + UBSan) and fuzzes every target for a while,
# starting from its seed corpus (copied to a temporary directory: the source tree is not written).
# Fails on any crash, leak, timeout, out-of-memory or sanitizer report; the input that caused it
# is kept in $FUZZ_ARTIFACTS (default <build dir>/artifacts). The build directory is
# build/fuzz-clang, the preset's, unless $FUZZ_BUILD_DIR names another. See docs/fuzzing.md.
#   scripts/fuzz.sh [seconds per target, default 30] [parser ...]
#   parsers: jws jwk discovery token_response callback_query cookie auth_routes settings
#   (the libFuzzer program of parser P is the target P_fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
case "$seconds" in
'' | *[!0-9]*) echo "fuzz: the time per target must be a number of seconds" >&2; exit 2 ;;
esac
all_targets=(jws jwk discovery token_response callback_query cookie auth_routes settings
    logout_token pushed_authorization dpop_challenge gateway_check)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

build_dir=${FUZZ_BUILD_DIR:-build/fuzz-clang}
artifacts=${FUZZ_ARTIFACTS:-$build_dir/artifacts}
mkdir -p "$artifacts"
artifacts=$(cd "$artifacts" && pwd)

build_targets=()
for t in "${targets[@]}"; do
    [ -d "tests/fuzz/corpus/$t" ] || { echo "fuzz: unknown parser '$t'" >&2; exit 2; }
    build_targets+=("${t}_fuzz")
done
cmake --preset fuzz -B "$build_dir" >/dev/null
cmake --build "$build_dir" --target "${build_targets[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for t in "${targets[@]}"; do
    corpus="$work/corpus-$t"
    cp -r "tests/fuzz/corpus/$t" "$corpus"
    dict_args=()
    case "$t" in
    jws | jwk | discovery | token_response | logout_token)
        cat tests/fuzz/dict/json.dict "tests/fuzz/dict/$t.dict" >"$work/$t.dict"
        dict_args=(-dict="$work/$t.dict")
        ;;
    *) [ -f "tests/fuzz/dict/$t.dict" ] && dict_args=(-dict="tests/fuzz/dict/$t.dict") ;;
    esac
    echo "=== ${t}_fuzz: ${seconds}s from $(ls "$corpus" | wc -l) seeds"
    log="$work/$t.log"
    rc=0
    "$build_dir/tests/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
        -max_len=16384 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" "${dict_args[@]}" \
        "$corpus" >"$log" 2>&1 || rc=$?
    grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units|stat::new_units_added' "$log" || true
    # On a loaded machine a slow moment can pass for a timeout: a timeout counts only when the
    # input is slow again on its own.
    if [ "$rc" -ne 0 ] && grep -q 'ERROR: libFuzzer: timeout' "$log" &&
        ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log"; then
        slow=$(ls -t "$artifacts/$t"-timeout-* 2>/dev/null | head -n 1)
        if [ -n "$slow" ] && "$build_dir/tests/fuzz/${t}_fuzz" -timeout=5 "$slow" >/dev/null 2>&1; then
            echo "${t}_fuzz: a timeout that did not happen again on its own (machine load); ignored"
            mv "$slow" "$artifacts/unreproduced-$(basename "$slow")"
            rc=0
            continue
        fi
    fi
    if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
        echo "${t}_fuzz FAILED (exit $rc); the last lines of its log:" >&2
        tail -n 60 "$log" >&2
        ls "$artifacts"/"$t"-* 2>/dev/null >&2 || true
        failed+=("$t")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]} (inputs in $artifacts; add each to tests/fuzz/corpus/<parser>/)" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each: no finding"

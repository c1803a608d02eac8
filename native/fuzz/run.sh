#!/usr/bin/env bash
# Builds the libFuzzer harnesses of the C entry points (clang, ASan+UBSan) and runs each for a fixed time on its
# seed corpus (native/fuzz/corpus/<target>), which CI does with the default. Longer on demand:
#   native/fuzz/run.sh 3600             # an hour per target
#   native/fuzz/run.sh 600 plan unpool  # ten minutes for two of them
#   FUZZ_SIMD=1 native/fuzz/run.sh 600  # with the AVX2/AVX-512 kernels (slow to build under ASan)
# New inputs the fuzzer finds go to target/fuzz/corpus/<target>; a crash leaves its input in target/fuzz and
# fails this script.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(sizes forward plan unpool backward method method_backward)
clang=${CLANG:-$(command -v clang-16 || command -v clang || true)}
if [ -z "$clang" ]; then
  echo "fuzz: no clang found (install clang-16 and libfuzzer-16-dev)" >&2
  exit 1
fi
work="$root/target/fuzz"
mkdir -p "$work/obj"
flags=(-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -std=c11
       -I"$root/native/include" -I"$root/native/src")
# The library once, instrumented for coverage. The SIMD files take long to compile with ASan on a busy 2-core
# machine, so they are left out unless FUZZ_SIMD=1 (the ctest runs under ASan cover their paths); without them the
# library runs its scalar kernels at every level.
sources=(api.c dispatch/dispatch.c pool-plan.c scalar/pool-scalar.c pool-backward.c unpool.c roi/roi.c
         methods/softpool.c methods/gem.c methods/mixed.c methods/stochastic.c methods/lip.c methods/s3pool.c
         methods/method-api.c)
if [ "${FUZZ_SIMD:-0}" = 1 ]; then
  flags+=(-DPK_HAVE_X86_KERNELS=1)
  # every per-instruction-set file, as native/CMakeLists.txt compiles them, found by name so that none is left out
  for src in "$root"/native/src/{pool,methods,roi,dispatch}/*-avx2.c "$root"/native/src/{pool,methods,roi,dispatch}/*-avx512.c; do
    sources+=("${src#"$root/native/src/"}")
  done
  work="$work/simd"
  mkdir -p "$work/obj"
fi
objects=()
for src in "${sources[@]}"; do
  obj="$work/obj/$(echo "$src" | tr / _).o"
  extra=()
  case "$src" in
    roi/*-avx2.c) extra=(-mavx2 -ffp-contract=off) ;;
    roi/*-avx512.c) extra=(-mavx512f -ffp-contract=off) ;;
    methods/*-avx2.c) extra=(-mavx2 -mfma -ffp-contract=off -Wno-psabi) ;;
    methods/*-avx512.c) extra=(-mavx512f -ffp-contract=off -Wno-psabi) ;;
    *-avx2.c) extra=(-mavx2 -mfma) ;;
    *-avx512.c) extra=(-mavx512f) ;;
  esac
  if [ ! -f "$obj" ] || [ "$root/native/src/$src" -nt "$obj" ] || [ -n "$(find "$root/native/src" "$root/native/include" -newer "$obj" -name '*.h' -o -newer "$obj" -name '*.inc' | head -1)" ]; then
    "$clang" "${flags[@]}" "${extra[@]}" -fsanitize=fuzzer-no-link -c "$root/native/src/$src" -o "$obj"
  fi
  objects+=("$obj")
done
status=0
for target in "${targets[@]}"; do
  "$clang" "${flags[@]}" -fsanitize=fuzzer -DPK_FUZZ_TARGET="$target" "$root/native/fuzz/fuzz_targets.c" "${objects[@]}" \
    -lm -lpthread -o "$work/fuzz_$target"
  mkdir -p "$work/corpus/$target"
  echo "fuzz: $target for ${seconds}s"
  if ! (cd "$work" && ./"fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=4096 \
          -print_final_stats=1 "corpus/$target" "$root/native/fuzz/corpus/$target" 2>&1 | tail -n 12); then
    status=1
  fi
done
exit $status

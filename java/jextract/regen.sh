#!/usr/bin/env bash
# Regenerates the committed FFM bindings from native/include/poolkit.h with a jextract found on PATH.
# The build never runs jextract: the generated sources are committed under java/src/main/jextract.
# Every pk_* function and struct and every PK_* constant of the header is bound; nothing else.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
header="$root/native/include/poolkit.h"
out="$root/java/src/main/jextract"
package=dev.poolkit.internal.ffi

if ! command -v jextract >/dev/null 2>&1; then
  echo "jextract is not on PATH; the committed bindings are kept" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
jextract --dump-includes "$work/all.txt" "$header" >/dev/null
# keep the header's own symbols; PK_API is an attribute macro, not a constant
grep -E '^--include-[a-z]+ +(pk_|PK_)' "$work/all.txt" | grep -v -E ' PK_API ' \
  | sed -E 's/ +#.*$//' | sort > "$root/java/jextract/includes.txt"

rm -rf "$out/${package//.//}"
jextract --output "$out" --target-package "$package" --header-class-name PoolkitFFI \
  @"$root/java/jextract/includes.txt" "$header"
jextract --version 2>&1 | head -n 1 > "$root/java/jextract/jextract.version"
echo "bindings regenerated in $out/${package//.//}"

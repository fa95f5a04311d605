#!/usr/bin/env bash
# Tests scripts/ci/repo-check.sh on throwaway git repositories: a clean one passes, and each rule fails on the
# file that breaks it (and names it).
set -euo pipefail
check="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/repo-check.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
failures=0

# repo NAME: a fresh repository with a README and a script, both allowed.
repo() {
  local d="$tmp/$1"
  git init -q "$d"
  printf '# ok\n' > "$d/README.md"
  printf '#!/bin/sh\necho ok\n' > "$d/run.sh"; chmod +x "$d/run.sh"
  printf '%s' "$d"
}
# expect WANT(pass|fail) NAME PATTERN DIR: runs the check on DIR; on fail its message must match PATTERN.
expect() {
  local want=$1 name=$2 pattern=$3 d=$4 out rc=0
  git -C "$d" add -A
  out=$("$check" "$d" 2>&1) || rc=$?
  if [[ $want == pass && $rc -ne 0 ]] || [[ $want == fail && $rc -eq 0 ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    printf 'FAIL %s: want %s matching /%s/, got exit %d:\n%s\n' "$name" "$want" "$pattern" "$rc" "$out" >&2
    failures=$((failures + 1))
  else
    printf 'ok   %s\n' "$name"
  fi
}

d=$(repo clean); expect pass clean 'none over 1048576 bytes' "$d"

d=$(repo big); head -c 1048577 /dev/zero > "$d/dump.bin"
expect fail 'file over 1 MB' 'dump.bin is 1048577 bytes, over the 1048576-byte limit' "$d"

d=$(repo exactly-1mb); head -c 1048576 /dev/zero > "$d/data.bin"
expect pass 'file of exactly 1 MB' 'none over' "$d"

d=$(repo elf); printf '\x7fELF\x02\x01\x01\x00' > "$d/baton-miro"
expect fail 'ELF binary' 'baton-miro is an executable binary \(ELF\)' "$d"

d=$(repo macho); printf '\xcf\xfa\xed\xfe\x07\x00\x00\x01' > "$d/tool"
expect fail 'Mach-O binary' 'tool is an executable binary \(Mach-O\)' "$d"

d=$(repo pe)
{ printf 'MZ'; head -c 58 /dev/zero; printf '\x40\x00\x00\x00'; printf 'PE\x00\x00'; } > "$d/tool.exe"
expect fail 'PE binary' 'tool.exe is an executable binary \(PE\)' "$d"

d=$(repo mz-text); printf 'MZ is just text here\n' > "$d/notes.txt"
expect pass 'text starting with MZ' 'none over' "$d"

d=$(repo exec-bit); printf 'not a script\n' > "$d/data"; chmod +x "$d/data"
expect fail 'executable bit without #!' 'data is tracked with the executable bit but is not a script' "$d"

d=$(repo space); printf '\x7fELF' > "$d/my tool"
expect fail 'name with a space' 'my tool is an executable binary' "$d"

if (( failures > 0 )); then
  echo "repo-check-test: $failures case(s) failed" >&2
  exit 1
fi
echo "repo-check-test: all cases pass"

#!/usr/bin/env bash
# Fails when the repository tracks a file a clone should not carry:
#   - any tracked file over 1 MB (MAX_BYTES, default 1048576): build outputs, dumps, specs;
#   - any tracked executable binary: ELF, Mach-O (thin or universal) or PE/COFF, found by its magic bytes,
#     whatever its name or mode;
#   - any tracked file with the executable bit that is not a script (no "#!" first line).
#   scripts/ci/repo-check.sh [DIR]    checks the git work tree at DIR (default: this repository)
# Reads the index (git ls-files), so a staged binary fails before it is committed.
set -euo pipefail
dir=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"}
cd "$dir"
max=${MAX_BYTES:-1048576}
export LC_ALL=C # byte-wise reads and comparisons

# magic FILE: prints ELF, Mach-O or PE when FILE starts like one, nothing otherwise. The magic numbers hold no
# NUL byte, so bash's read (which drops NULs) compares them without a process per file.
magic() {
  local head=''
  read -r -N 4 head < "$1" || true
  case "$head" in
    $'\x7fELF') echo ELF ;;
    $'\xfe\xed\xfa\xce'|$'\xfe\xed\xfa\xcf'|$'\xce\xfa\xed\xfe'|$'\xcf\xfa\xed\xfe'|$'\xca\xfe\xba\xbe'|$'\xbe\xba\xfe\xca') echo Mach-O ;;
    MZ*)
      # MZ is only a DOS stub; a PE file has "PE\0\0" at the offset stored at 0x3c.
      local off
      off=$(od -An -tu4 -j60 -N4 -- "$1" 2>/dev/null | tr -d ' ')
      if [[ -n "$off" ]] && [[ "$(od -An -tx1 -j"$off" -N4 -- "$1" 2>/dev/null | tr -d ' \n')" == 50450000 ]]; then
        echo PE
      fi
      ;;
  esac
}

bad=0
declare -A sizes=()
while IFS= read -r -d '' line; do
  sizes[${line#* }]=${line%% *}
done < <(git ls-files -z | xargs -0 -r stat --printf '%s %n\0' --)
report() { printf 'repo-check: %s\n' "$*" >&2; bad=$((bad + 1)); }

while IFS= read -r -d '' entry; do
  mode=${entry%% *}
  path=${entry#*$'\t'}
  [[ -f "$path" ]] || continue # deleted in the work tree, or a submodule
  size=${sizes[$path]:-0}
  if (( size > max )); then
    report "$path is $size bytes, over the $max-byte limit for tracked files: do not commit build outputs or large data (git rm --cached '$path'; add it to .gitignore)"
  fi
  kind=$(magic "$path")
  if [[ -n "$kind" ]]; then
    report "$path is an executable binary ($kind): build it into bin/ or dist/ (ignored) instead of committing it (git rm --cached '$path')"
  elif [[ "$mode" == 100755 ]] && [[ "$(head -c 2 -- "$path")" != '#!' ]]; then
    report "$path is tracked with the executable bit but is not a script (no #! line): git update-index --chmod=-x '$path'"
  fi
done < <(git ls-files -s -z)

if (( bad > 0 )); then
  printf 'repo-check: FAILED: %d finding(s) above\n' "$bad" >&2
  exit 1
fi
echo "repo-check: $(git ls-files | wc -l) tracked files, none over $max bytes, no executable binaries"

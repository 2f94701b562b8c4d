#!/bin/sh
# The README runs: every command of README.md's shell blocks, run from a
# clean checkout (tests/test_readme.c runs this; make test runs that).
#
# Convention for README.md:
#   - A fenced block opened with ```sh or ```console is run; other blocks
#     (```yaml, bare ```) are not.
#   - A block whose opening line follows an HTML comment line starting
#     "<!-- not run" (the comment says why: placeholders, a download, a
#     cluster) is an illustration and is not run.
#   - In a run block every line is a command (in ```console a leading
#     "$ " is dropped), run in order from the checkout's root, each with
#     a timeout; a line ending in "\" continues on the next; blank lines
#     and lines starting with "#" are skipped.
#   - Too long for a test, and skipped with a message: make run, make
#     test, make reproduce, make bench (whole studies and suites; make
#     test runs this test), make rtl-report and make wave (they build every
#     Verilator model from scratch, minutes here; make test runs the same
#     testbenches).
#
# The checkout is a clone of this repository at the working tree's
# tracked state (git stash create: uncommitted edits to tracked files
# included, untracked files not), in build/tests/tmp/readme-clone, built
# there with make -j2 all. Prints "ok", "FAIL" or "skip" per command and
# a closing "readme: N run, N failed, N skipped"; exit 1 if any failed,
# 77 where there is no git repository to clone.
# Measured here, 2 cores shared with other jobs (load 6): 5.5 and 9
# minutes in all, of which the clone's build about 1.5 and the sweep
# example (128 points) 4 to 5; the other commands take under a minute.
# Usage: tests/readme.sh [TIMEOUT_S]   (default 600 per command)
limit=${1:-600}
root=$(pwd)
dest=$root/build/tests/tmp/readme-clone
git rev-parse --git-dir >/dev/null 2>&1 || { echo "readme: not a git checkout"; exit 77; }
rev=$(git stash create 2>/dev/null); rev=${rev:-HEAD}
rm -rf "$dest"
git clone -q --shared --no-checkout "$root" "$dest" &&
  git -C "$dest" checkout -q --detach "$rev" || { echo "readme: clone failed"; exit 1; }
cd "$dest" || exit 1
make -j2 all >make.log 2>&1 || { echo "readme: make all failed"; tail make.log; exit 1; }

# One command per line on stdout, continuations joined.
awk '
  /^<!-- not run/ { skip = 1; next }
  /^```/ {
    if (inb) { inb = 0; next }
    if ($0 ~ /^```(sh|console)[ \t]*$/ && !skip) { inb = 1; con = ($0 ~ /console/) }
    skip = 0; next
  }
  /[^ \t]/ { skip = 0 }
  !inb { next }
  {
    line = $0
    if (con) sub(/^\$ /, "", line)
    if (cont != "") { line = cont " " line; cont = "" }
    if (line ~ /\\$/) { sub(/\\$/, "", line); cont = line; next }
    if (line ~ /^[ \t]*(#|$)/) next
    print line
  }' "$root/README.md" >commands.txt

run=0; failed=0; skipped=0; n=0
while IFS= read -r cmd; do
  n=$((n + 1))
  case "$cmd" in
    "make run"*|"make test"*|"make reproduce"*|"make bench"*|"make rtl-report"*|"make wave"*)
      skipped=$((skipped + 1)); printf 'skip (too long for a test): %s\n' "$cmd"; continue ;;
  esac
  t0=$(date +%s)
  timeout "$limit" sh -c "$cmd" >"cmd$n.log" 2>&1 </dev/null; rc=$?
  run=$((run + 1))
  if [ "$rc" = 0 ]; then
    printf 'ok   %ss: %s\n' $(($(date +%s) - t0)) "$cmd"
  else
    failed=$((failed + 1))
    printf 'FAIL (exit %s) %ss: %s\n' "$rc" $(($(date +%s) - t0)) "$cmd"
    tail -n 5 "cmd$n.log"
  fi
done <commands.txt
echo "readme: $run run, $failed failed, $skipped skipped"
[ "$failed" = 0 ]

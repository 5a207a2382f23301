# tests/lib.sh — what every tests/*.sh shares; source it first:
#   . "$(dirname "$0")/lib.sh"
# It moves to the top of the tree (paths in tests are relative to it) and
# keeps the counts. A test calls ok/bad (or expect, eq, check), then ends
# with `finish`: the closing line "N passed, N failed" that tests/run sums,
# and a non-zero exit status when anything failed. tests/run never runs
# this file itself.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pass=0; fail=0

# ok [WHAT]: one check passed (WHAT, if given, is printed as "ok   WHAT").
ok()  { pass=$((pass + 1)); [ $# -eq 0 ] || echo "ok   $*"; }
# bad WHAT: one check failed; tests/run shows the FAIL lines of a failing test.
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
# eq WHAT GOT WANT: GOT must be WANT.
eq()  { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi; }
# check COMMAND...: the command must succeed (its output is dropped).
check() { if "$@" >/dev/null 2>&1; then ok; else bad "$*"; fi; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }
# die WHAT: the test cannot go on (setup failed): one failure, and the end.
die() { bad "$*"; finish; }

# expect CODE TEXT -- ARGS: `$SDM ARGS` exits CODE with TEXT (if not empty)
# in its stdout+stderr. Leaves the output in $out for a closer look.
expect() {
  local code=$1 text=$2 rc; shift 3
  out=$("$SDM" "$@" 2>&1); rc=$?
  if [ "$rc" -ne "$code" ]; then bad "sdm $* exited $rc, wanted $code: $out"; return; fi
  if [ -n "$text" ] && [[ $out != *"$text"* ]]; then bad "sdm $*: no '$text' in: $out"; return; fi
  ok "sdm $* -> $code${text:+ ($text)}"
}

# add_counts NAME OUTPUT RC: a sub-run (node checkers) ends with its own
# "N passed, N failed"; add it to ours. No closing line, or a non-zero
# exit with none failed, is one failure.
add_counts() {
  local line p f
  line=$(printf '%s\n' "$2" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [ -z "$line" ]; then bad "$1 printed no closing line (exit $3)"; return; fi
  p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
  pass=$((pass + p)); fail=$((fail + f))
  [ "$3" -ne 0 ] && [ "$f" -eq 0 ] && bad "$1 exited $3"
  return 0
}

# need_moddle: tests/moddle's npm packages (bpmn-moddle, luaparse), installed
# on first use; without them the test cannot run.
need_moddle() {
  [ -d tests/moddle/node_modules/bpmn-moddle ] && [ -d tests/moddle/node_modules/luaparse ] && return
  command -v npm >/dev/null 2>&1 || die "node and npm are needed (apt-get install nodejs npm)"
  ( cd tests/moddle && { npm ci --silent --no-audit --no-fund || npm install --silent --no-audit --no-fund; } ) >&2 \
    || die "npm could not install tests/moddle's packages"
}

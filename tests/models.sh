#!/usr/bin/env bash
# Validates models/*.bpmn and models/ru/*.bpmn as BPMN editors import them (bpmn-moddle), with
# tests/moddle/check.js, then checks that check.js still rejects a broken
# model (tests/moddle/fixtures/broken.bpmn). Installs the checker's npm
# packages on first use. Ends with "N passed, N failed"; exits non-zero on
# any failure.
set -u
cd "$(dirname "$0")/.."
dir=tests/moddle

if [ ! -d "$dir/node_modules/bpmn-moddle" ] || [ ! -d "$dir/node_modules/luaparse" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "FAIL models: node and npm are needed (apt-get install nodejs npm)"
    echo "0 passed, 1 failed"
    exit 1
  fi
  ( cd "$dir" && { npm ci --silent --no-audit --no-fund || npm install --silent --no-audit --no-fund; } ) >&2 || {
    echo "FAIL models: npm could not install tests/moddle's packages"
    echo "0 passed, 1 failed"
    exit 1
  }
fi

out=$(node "$dir/check.js")
rc=$?
printf '%s\n' "$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$'
line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
if [ -z "$line" ]; then
  pass=0; fail=1
  echo "FAIL models: check.js printed no closing line (exit $rc)"
else
  pass=${line%% passed*}; fail=${line#*passed, }; fail=${fail%% failed*}
  [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
fi

# models/ru: the same processes in Russian pass the same checks.
out=$(node "$dir/check.js" models/ru/*.bpmn)
rc=$?
printf '%s\n' "$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$' | sed 's/^\(ok  \|FAIL\) */&ru\//'
line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
if [ -z "$line" ]; then
  fail=$((fail + 1)); echo "FAIL models/ru: check.js printed no closing line (exit $rc)"
else
  p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  pass=$((pass + p)); fail=$((fail + f))
fi

# The checker must catch what it claims to catch.
bad=$(node "$dir/check.js" "$dir/fixtures/broken.bpmn")
brc=$?
missing=()
for check in "imports without warnings" "executable processes" "every flow node in exactly one lane" \
             "diagram elements resolve" "one shape per node" "sequence flows connect" \
             "user tasks carry" "gateways have defaults" "Lua and sdm extensions" \
             "variables read by conditions" "layout is clean"; do
  printf '%s\n' "$bad" | grep -q "^FAIL broken.bpmn: $check" || missing+=("$check")
done
if [ "$brc" -ne 0 ] && [ ${#missing[@]} -eq 0 ]; then
  pass=$((pass + 1)); echo "ok   check.js: rejects fixtures/broken.bpmn on every check"
else
  fail=$((fail + 1)); echo "FAIL check.js: fixtures/broken.bpmn passed: ${missing[*]:-(exit 0)}"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

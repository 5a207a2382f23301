#!/usr/bin/env bash
# Validates models/*.bpmn and models/ru/*.bpmn as BPMN editors import them (bpmn-moddle), with
# tests/moddle/check.js, then checks that check.js still rejects a broken
# model (tests/moddle/fixtures/broken.bpmn). Installs the checker's npm
# packages on first use. Ends with "N passed, N failed"; exits non-zero on
# any failure.
. "$(dirname "$0")/lib.sh"
dir=tests/moddle
need_moddle

out=$(node "$dir/check.js")
rc=$?
printf '%s\n' "$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$'
add_counts check.js "$out" "$rc"

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
broken=$(node "$dir/check.js" "$dir/fixtures/broken.bpmn")
brc=$?
missing=()
for name in "imports without warnings" "executable processes" "every flow node in exactly one lane" \
             "diagram elements resolve" "one shape per node" "sequence flows connect" \
             "user tasks carry" "gateways have defaults" "Lua and sdm extensions" \
             "variables read by conditions" "layout is clean"; do
  printf '%s\n' "$broken" | grep -q "^FAIL broken.bpmn: $name" || missing+=("$name")
done
if [ "$brc" -ne 0 ] && [ ${#missing[@]} -eq 0 ]; then
  ok "check.js: rejects fixtures/broken.bpmn on every check"
else
  bad "check.js: fixtures/broken.bpmn passed: ${missing[*]:-(exit 0)}"
fi

finish

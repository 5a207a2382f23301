#!/usr/bin/env bash
# editor-export round trip: a model deployed and run, exported with runtime
# overlays, imported again by bpmn-moddle (as bpmn.io and Camunda Modeler
# do) without warnings, with the colours on the right shapes; the exported
# file deploys again unchanged in meaning. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
dir=tests/moddle
if [ ! -d "$dir/node_modules/bpmn-moddle" ]; then
  ( cd "$dir" && { npm ci --silent --no-audit --no-fund || npm install --silent --no-audit --no-fund; } ) >&2 \
    || { echo "FAIL export: npm could not install tests/moddle's packages"; echo "0 passed, 1 failed"; exit 1; }
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export SDM_DB=$tmp/x.db
S="build/test/sdm --scripts scripts"
pass=0; fail=0
ok() { if "$@" >/dev/null 2>&1; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL: $*"; fi; }

ok $S deploy models/deal-discussion.bpmn
ok $S start deal-discussion --client acme --now 2026-11-02T09:00:00+03:00
ok $S start deal-discussion --client bolt --now 2026-11-02T09:00:00+03:00
task=$($S tasks --client bolt --json | sed -n 's/.*"id": \([0-9]*\).*/\1/p' | head -1)
ok $S complete "$task" --var interested=false --now 2026-11-02T10:00:00+03:00
ok $S export deal-discussion --overlay --out "$tmp/o.bpmn"
# acme waits at the presentation (blue); bolt passed the start and the
# gateway (green); the presentation is waiting, so blue wins over visited.
out=$(node $dir/overlay.js "$tmp/o.bpmn" Task_Presentation='#bbdefb' Gateway_Interested='#c8e6c9' \
      End_NotInterested='#c8e6c9' 2>&1)
printf '%s\n' "$out" | grep FAIL
line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
if [ -n "$line" ]; then p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}; pass=$((pass+p)); fail=$((fail+f))
else fail=$((fail+1)); echo "FAIL: overlay.js printed no closing line"; fi
ok grep -q 'bioc:fill' "$tmp/o.bpmn"
# without --overlay the export is the deployed file byte for byte
$S export deal-discussion --out "$tmp/plain.bpmn" 2>/dev/null
ok cmp "$tmp/plain.bpmn" models/deal-discussion.bpmn
# the coloured file is still a model sdm deploys (a new version: its bytes differ)
ok $S deploy "$tmp/o.bpmn"
ok test "$($S processes --json | grep -c '"version": 2')" = 1
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

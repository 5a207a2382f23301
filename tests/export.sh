#!/usr/bin/env bash
# editor-export round trip: a model deployed and run, exported with runtime
# overlays, imported again by bpmn-moddle (as bpmn.io and Camunda Modeler
# do) without warnings, with the colours on the right shapes; the exported
# file deploys again unchanged in meaning. Ends with "N passed, N failed".
. "$(dirname "$0")/lib.sh"
dir=tests/moddle
need_moddle
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export SDM_DB=$tmp/x.db
S="build/test/sdm --scripts scripts"

check $S deploy models/deal-discussion.bpmn
check $S start deal-discussion --client acme --now 2026-11-02T09:00:00+03:00
check $S start deal-discussion --client bolt --now 2026-11-02T09:00:00+03:00
task=$($S tasks --client bolt --json | sed -n 's/.*"id": \([0-9]*\).*/\1/p' | head -1)
check $S complete "$task" --var interested=false --now 2026-11-02T10:00:00+03:00
check $S export deal-discussion --overlay --out "$tmp/o.bpmn"
# acme waits at the presentation (blue); bolt passed the start and the
# gateway (green); the presentation is waiting, so blue wins over visited.
out=$(node $dir/overlay.js "$tmp/o.bpmn" Task_Presentation='#bbdefb' Gateway_Interested='#c8e6c9' \
      End_NotInterested='#c8e6c9' 2>&1)
rc=$?
printf '%s\n' "$out" | grep FAIL
add_counts overlay.js "$out" "$rc"
check grep -q 'bioc:fill' "$tmp/o.bpmn"
# without --overlay the export is the deployed file byte for byte
$S export deal-discussion --out "$tmp/plain.bpmn" 2>/dev/null
check cmp "$tmp/plain.bpmn" models/deal-discussion.bpmn
# the coloured file is still a model sdm deploys (a new version: its bytes differ)
check $S deploy "$tmp/o.bpmn"
check test "$($S processes --json | grep -c '"version": 2')" = 1
finish

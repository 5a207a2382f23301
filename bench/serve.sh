#!/usr/bin/env bash
# bench/serve.sh — requests/s and p99 latency of `sdm serve` (the optimised
# build) on loopback under a bounded concurrent load (bench/serve_load.c,
# 16 kept-alive connections): GET /api/tasks of a manager with 200 open
# tasks, and POST /api/tasks/ID/complete of N tasks, each once (group commit).
#   bench/serve.sh [N]     N tasks to complete (default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
make -s build/sdm
mkdir -p build/bench
cc -O2 -std=c11 -D_GNU_SOURCE -Wall bench/serve_load.c $(pkg-config --cflags --libs libcurl) -lpthread \
   -o build/bench/serve_load
tmp=$(mktemp -d /tmp/sdm_bench_serve_XXXXXX)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
export SDM_DB=$tmp/b.db
S=build/sdm
printf 'user adm roles=admin\nuser m1 roles=closer\n' >"$tmp/org.txt"
cat >"$tmp/w.bpmn" <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="work" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="closer"><bpmn:flowNodeRef>do</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="do"/>
    <bpmn:userTask id="do" name="Do it"/><bpmn:sequenceFlow id="f2" sourceRef="do" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>
X
$S org load "$tmp/org.txt" >/dev/null
$S deploy "$tmp/w.bpmn" >/dev/null
T_ADM=$($S token create adm 2>/dev/null)
T_M1=$($S token create m1 2>/dev/null)
$S serve --listen 127.0.0.1:0 --threads 16 >"$tmp/out" 2>"$tmp/err" &
server=$!
for _ in $(seq 50); do grep -q listening "$tmp/out" && break; sleep 0.1; done
U=http://127.0.0.1:$(grep -o '[0-9]*$' "$tmp/out")
seq $((n + 200)) | xargs -P 8 -I@ curl -s -o /dev/null -H "Authorization: Bearer $T_ADM" \
  -d '{"process":"work","client":"k@"}' "$U/api/instances"
sqlite3 "$SDM_DB" "SELECT id FROM tasks WHERE state = 'open' ORDER BY id LIMIT $n" >"$tmp/done"
echo "sdm serve on loopback, $(nproc) cores, 16 connections"
build/bench/serve_load "$U/api/tasks" "$T_ADM" 16 complete "$tmp/done"
echo "($(sqlite3 "$SDM_DB" "SELECT count(*) FROM tasks WHERE state = 'open'") open tasks of one manager left)"
build/bench/serve_load "$U/api/tasks?when=all" "$T_M1" 16 get 2000
[ "$($S check | head -1)" = "ok: the store holds every invariant" ] || { echo "sdm check failed"; exit 1; }

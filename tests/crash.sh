#!/usr/bin/env bash
# crash.sh — the kill -9 test. A worker drives build/sdm (many separate
# invocations: start instances, complete their tasks) against one store and
# is killed with SIGKILL, process group and all, at random moments. After
# every kill the store must hold its invariants: `sdm check` says ok, no
# open task appears twice, every active instance has tokens, no token is
# left "ready". At the end the survivors are driven to completion and every
# completed instance must show the whole path (3 calls, prepare, close).
#
# Needs bash and the sqlite3 command-line shell (Debian package `sqlite3`).
. "$(dirname "$0")/lib.sh"
SDM=${SDM:-build/sdm}
ROUNDS=${CRASH_ROUNDS:-40}

if [ ! -x "$SDM" ]; then bad "$SDM is not built (make build/sdm)"; finish; fi
if ! command -v sqlite3 >/dev/null; then bad "the sqlite3 command-line shell is missing (apt-get install sqlite3)"; finish; fi

tmp=$(mktemp -d /tmp/sdm_crash.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
DB=$tmp/sdm.db
sdm() { "$SDM" --db "$DB" --scripts "$tmp" "$@"; }
q() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }

if sdm deploy tests/bpmn/crash.bpmn >/dev/null; then ok; else bad "deploy tests/bpmn/crash.bpmn"; finish; fi

# The worker: complete the open tasks (oldest first, so instances finish),
# and start an instance for a new client when few are open. Each sdm call
# is one transaction; the kill lands in whichever is running.
worker() {
  local k=0 id ids
  while :; do
    ids=$(sdm tasks --csv 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -n | head -n 8)
    if [ "$(echo "$ids" | wc -w)" -lt 6 ]; then
      k=$((k + 1))
      sdm start crash --client "r$1-$k" >/dev/null 2>&1
    fi
    for id in $ids; do sdm complete "$id" >/dev/null 2>&1; done
  done
}

check_store() {
  local when=$1 out n
  out=$(sdm check 2>&1)
  if [ $? -eq 0 ] && [[ $out == ok* ]]; then ok; else bad "$when: sdm check: $out"; fi
  n=$(q "SELECT count(*) FROM (SELECT token_id FROM tasks WHERE state = 'open' GROUP BY token_id HAVING count(*) > 1)")
  [ "$n" = 0 ] && ok || bad "$when: $n tokens with more than one open task"
  n=$(q "SELECT count(*) FROM (SELECT instance_id, node FROM tasks WHERE state = 'open' GROUP BY instance_id, node HAVING count(*) > 1)")
  [ "$n" = 0 ] && ok || bad "$when: $n (instance, node) pairs with the same task open twice"
  n=$(q "SELECT count(*) FROM instances i WHERE state = 'active' AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.instance_id = i.id)")
  [ "$n" = 0 ] && ok || bad "$when: $n active instances without tokens"
  n=$(q "SELECT count(*) FROM tokens WHERE state = 'ready'")
  [ "$n" = 0 ] && ok || bad "$when: $n tokens left ready"
  n=$(q "SELECT count(*) FROM (SELECT client FROM instances WHERE state = 'active' GROUP BY process, client HAVING count(*) > 1)")
  [ "$n" = 0 ] && ok || bad "$when: $n clients with two active instances"
  n=$(q "SELECT count(*) FROM instances i WHERE state = 'active' AND (SELECT count(*) FROM tokens t WHERE t.instance_id = i.id) > 3")
  [ "$n" = 0 ] && ok || bad "$when: $n instances with more tokens than the model allows"
}

# On a loaded machine one sdm call can outlast the whole kill window, and
# no round would get anything done: each round runs at least two calls'
# time before its random part.
s0=$EPOCHREALTIME; sdm tasks --csv >/dev/null 2>&1
call_ms=$(awk -v a="$s0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%d", (b-a)*1000}')
set -m                       # background jobs get their own process group
start_s=$SECONDS
for r in $(seq 1 "$ROUNDS"); do
  worker "$r" &
  pid=$!
  sleep "$(awk -v c="$call_ms" -v r=$((10 + RANDOM % 290)) 'BEGIN{printf "%.3f", (2*c + r)/1000}')"
  kill -9 -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  check_store "round $r"
done
set +m
echo "after $ROUNDS kills: $(q "SELECT count(*) FROM instances") instances," \
     "$(q "SELECT count(*) FROM instances WHERE state = 'completed'") completed," \
     "$(q "SELECT count(*) FROM tasks WHERE state = 'completed'") tasks completed"
n=$(q "SELECT count(*) FROM instances")
[ "$n" -gt 0 ] && ok || bad "the worker never started an instance"

# Drive every survivor to its end without interruption.
for pass_no in 1 2 3 4 5 6; do
  for id in $(q "SELECT id FROM tasks WHERE state = 'open' ORDER BY id"); do
    sdm complete "$id" >/dev/null 2>&1 || bad "completing task $id after the kills: $(sdm complete "$id" 2>&1)"
  done
done
check_store "final"
n=$(q "SELECT count(*) FROM instances WHERE state <> 'completed'")
[ "$n" = 0 ] && ok || bad "$n instances did not complete: $(q "SELECT id, state FROM instances WHERE state <> 'completed' LIMIT 5")"
n=$(q "SELECT count(*) FROM instances i WHERE (SELECT count(*) FROM tasks k WHERE k.instance_id = i.id AND k.state = 'completed') <> 5")
[ "$n" = 0 ] && ok || bad "$n completed instances without exactly 5 completed tasks (3 calls, prepare, close)"
n=$(q "SELECT count(*) FROM instances i WHERE (SELECT count(*) FROM history h WHERE h.instance_id = i.id AND h.event = 'end') <> 1")
[ "$n" = 0 ] && ok || bad "$n instances whose history has not exactly one end"
n=$(q "SELECT count(*) FROM instances i WHERE (SELECT value FROM variables v WHERE v.instance_id = i.id AND v.name = 'n') <> '3'")
[ "$n" = 0 ] && ok || bad "$n instances whose loop counter is not 3"
echo "took $((SECONDS - start_s)) s"
finish

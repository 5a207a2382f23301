#!/usr/bin/env bash
# worker.sh — the kill -9 test for the job executor and the outbox.
#
# N instances of tests/bpmn/time-worker.bpmn wait on a PT1M timer. Half were
# started with --now an hour in the past (due at once, a thundering herd),
# half so that their timers fall due over the next seconds of real time.
# Several `sdm run` workers (SDM_NOW unset: real time) serve the database
# together while one of them, at random moments, is killed with SIGKILL and
# restarted. When a timer fires, a checkpoint queues an in-app message and a
# webhook to a local listener that logs every request it gets.
#
# At the end: every timer fired exactly once (one "timer" history row per
# instance), every instance completed, no job is left, every in-app message
# was delivered exactly once, every webhook was received at most once (and
# exactly once unless its delivery is still in doubt under its lease),
# `sdm check` is ok, and SIGTERM stops each worker cleanly within 2 s.
#
# Prints "N passed, N failed". Needs sqlite3 and python3. Takes ~30 s.
. "$(dirname "$0")/lib.sh"
SDM=${SDM:-build/sdm}
N=${N:-200}
WORKERS=${WORKERS:-3}
CHAOS_SECS=${CHAOS_SECS:-8}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3


[ -x "$SDM" ] || make -s "$SDM" >/dev/null 2>&1
if [ ! -x "$SDM" ] || ! command -v sqlite3 >/dev/null; then
  bad "setup: needs $SDM and sqlite3"; finish
fi

tmp=$(mktemp -d /tmp/sdm_worker_XXXXXX)
db=$tmp/w.db
declare -a wpid
listener=
cleanup() {
  for p in "${wpid[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done
  [ -n "$listener" ] && kill "$listener" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

q() { sqlite3 -cmd ".timeout 10000" "$db" "$1"; }
ms() { date +%s%3N; }

# ---- the webhook listener: appends every body it receives, then answers 200
cat >"$tmp/listener.py" <<'EOF'
import http.server, os, sys, threading, time
out, lock = sys.argv[1], threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock, open(out, "ab") as f:
            f.write(body + b"\n")
        time.sleep(0.08)        # a slow receiver: kills land mid-delivery
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
print("PORT", srv.server_address[1], flush=True)
srv.serve_forever()
EOF
: >"$tmp/hooks.log"
"$PY" "$tmp/listener.py" "$tmp/hooks.log" >"$tmp/listener.port" 2>"$tmp/listener.err" &
listener=$!
port=
for _ in $(seq 50); do
  port=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$tmp/listener.port")
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then bad "setup: the webhook listener did not start: $(cat "$tmp/listener.err")"; finish; fi
ok "setup: webhook listener on port $port"

# ---- the database: N instances waiting on their timers
if "$SDM" --db "$db" deploy tests/bpmn/time-worker.bpmn >/dev/null; then ok "deploy"; else bad "deploy"; finish; fi
half=$((N / 2))
start_some() {          # start_some FIRST LAST: instance i is due at due_of(i)
  local i now
  for ((i = $1; i <= $2; i++)); do
    if ((i <= half)); then now=$(( $(ms) - 3600000 ))       # due 59 minutes ago
    else now=$((base + (i - half) * SPREAD - 60000)); fi     # due at base, base + SPREAD, ...
    env -u SDM_NOW "$SDM" --db "$db" --now "$now" start t_worker --client "c$i" \
        --var hook="http://127.0.0.1:$port/hook" >/dev/null 2>>"$tmp/start.err" || echo "c$i" >>"$tmp/start.failed"
  done
}
in_parallel() {         # in_parallel FIRST LAST: two starters
  local mid=$(( ($1 + $2) / 2 )) p1 p2
  start_some "$1" "$mid" & p1=$!
  start_some $((mid + 1)) "$2" & p2=$!
  wait "$p1" "$p2"
}
SPREAD=${SPREAD:-100}   # ms between the due times of the second half
t0=$(ms)
in_parallel 1 "$half"
first=$(( $(ms) - t0 ))
base=$(( $(ms) + first + 3000 ))     # the second half takes about as long: then they fall due
in_parallel $((half + 1)) "$N"
eq "started $N instances (in $(( $(ms) - t0 )) ms; the second half due from +$(( base - $(ms) )) ms)" "$(q "SELECT count(*) FROM instances WHERE state = 'active'")" "$N"
eq "one timer job per instance" "$(q "SELECT count(*) FROM jobs WHERE kind = 'timer'")" "$N"

# ---- workers, one of which is killed -9 at random moments and restarted
start_worker() { env -u SDM_NOW "$SDM" --db "$db" run 2>>"$tmp/worker$1.log" & wpid[$1]=$!; }
for ((w = 0; w < WORKERS; w++)); do start_worker "$w"; done
kills=0; busy_kills=0
end=$(( $(ms) + CHAOS_SECS * 1000 ))
last_due=$(( base + (N - half) * SPREAD + 1000 ))
((end < last_due)) && end=$last_due
while (( $(ms) < end )); do
  sleep "0.$(( RANDOM % 6 ))$(( RANDOM % 10 ))"
  w=$(( RANDOM % WORKERS ))
  now=$(ms)
  pending=$(q "SELECT (SELECT count(*) FROM jobs WHERE due_at <= $now) + (SELECT count(*) FROM outbox
               WHERE state = 'pending' AND next_at <= $now AND (lease_until IS NULL OR lease_until <= $now))")
  kill -9 "${wpid[$w]}" 2>/dev/null && kills=$((kills + 1)) && ((pending > 0)) && busy_kills=$((busy_kills + 1))
  wait "${wpid[$w]}" 2>/dev/null
  start_worker "$w"
done

# ---- let the surviving workers finish: no job, no deliverable message left
deadline=$(( $(ms) + 30000 ))
left=-1
while (( $(ms) < deadline )); do
  left=$(q "SELECT (SELECT count(*) FROM jobs) + (SELECT count(*) FROM outbox WHERE state = 'pending'
                    AND (lease_until IS NULL OR lease_until <= $(ms)))")
  [ "$left" = 0 ] && break
  sleep 0.2
done
eq "the workers drained every job and every deliverable message" "$left" 0

# ---- SIGTERM stops each worker cleanly within 2 s
for ((w = 0; w < WORKERS; w++)); do
  p=${wpid[$w]}
  kill -TERM "$p"
  t=$(ms); gone=0
  while (( $(ms) - t < 2000 )); do
    if ! kill -0 "$p" 2>/dev/null; then gone=1; break; fi
    sleep 0.05
  done
  wait "$p" 2>/dev/null; rc=$?
  wpid[$w]=
  if ((gone)) && [ "$rc" = 0 ] && tail -n 1 "$tmp/worker$w.log" | grep -q "worker-stopped"; then
    ok "worker $w stopped on SIGTERM in $(( $(ms) - t )) ms, exit 0"
  else
    bad "worker $w on SIGTERM: gone=$gone exit=$rc, last log line: $(tail -n 1 "$tmp/worker$w.log")"
  fi
done
# A worker that is asleep (nothing due for a long time) wakes for SIGTERM too.
env -u SDM_NOW "$SDM" --db "$db" run 2>"$tmp/sleeper.log" & p=$!
sleep 0.5
t=$(ms); kill -TERM "$p"; gone=0
while (( $(ms) - t < 2000 )); do kill -0 "$p" 2>/dev/null || { gone=1; break; }; sleep 0.05; done
wait "$p" 2>/dev/null; rc=$?
if ((gone)) && [ "$rc" = 0 ]; then ok "a sleeping worker stops on SIGTERM within 2 s"; else bad "sleeping worker: gone=$gone exit=$rc"; kill -9 "$p" 2>/dev/null; fi

# ---- every timer fired exactly once, every instance completed
eq "every instance completed" "$(q "SELECT count(*) FROM instances WHERE state = 'completed'")" "$N"
eq "exactly $N timer events in history" "$(q "SELECT count(*) FROM history WHERE event = 'timer'")" "$N"
eq "one timer event per instance" \
   "$(q "SELECT count(*) FROM (SELECT instance_id FROM history WHERE event = 'timer' GROUP BY instance_id HAVING count(*) = 1)")" "$N"
eq "one end per instance" \
   "$(q "SELECT count(*) FROM (SELECT instance_id FROM history WHERE event = 'end' GROUP BY instance_id HAVING count(*) = 1)")" "$N"
eq "no job, no token left" "$(q "SELECT (SELECT count(*) FROM jobs) + (SELECT count(*) FROM tokens)")" 0
eq "no incident" "$(q "SELECT count(*) FROM incidents")" 0

# ---- the outbox: in-app messages exactly once; webhooks at most once
eq "one in-app message queued per instance" \
   "$(q "SELECT count(*) || ' ' || count(DISTINCT subject) FROM outbox WHERE channel = 'inbox'")" "$N $N"
eq "every in-app message sent" "$(q "SELECT count(*) FROM outbox WHERE channel = 'inbox' AND state = 'sent'")" "$N"
eq "olga's inbox holds each message once" \
   "$(q "SELECT count(*) || ' ' || count(DISTINCT subject) FROM inbox WHERE user = 'olga'")" "$N $N"
eq "one webhook queued per instance" \
   "$(q "SELECT count(*) || ' ' || count(DISTINCT subject) FROM outbox WHERE channel = 'webhook'")" "$N $N"
eq "no webhook failed" "$(q "SELECT count(*) FROM outbox WHERE state = 'failed'")" 0
doubt=$(q "SELECT count(*) FROM outbox WHERE channel = 'webhook' AND state = 'pending' AND lease_until > $(ms)")
sent=$(q "SELECT count(*) FROM outbox WHERE channel = 'webhook' AND state = 'sent'")
eq "every webhook sent or in doubt under its lease ($doubt in doubt)" "$((sent + doubt))" "$N"
# The kills must have hit work: due jobs or messages waiting, or a delivery
# in flight (which leaves its message in doubt under its lease).
if ((kills >= 10 && busy_kills + doubt >= 3)); then
  ok "killed a worker with SIGKILL $kills times: $busy_kills with work waiting, $doubt mid-delivery"
else bad "only $kills kills, $busy_kills with work waiting, $doubt mid-delivery"; fi
grep -o '"id":[0-9]*' "$tmp/hooks.log" | cut -d: -f2 | sort -n >"$tmp/received"
eq "the listener received no webhook twice" "$(uniq -d "$tmp/received" | wc -l)" 0
q "SELECT id FROM outbox WHERE channel = 'webhook' AND state = 'sent' ORDER BY id" >"$tmp/sent"
eq "the listener received every sent webhook" "$(comm -23 <(sort "$tmp/sent") <(sort -u "$tmp/received") | wc -l)" 0
q "SELECT id FROM outbox WHERE channel = 'webhook' ORDER BY id" >"$tmp/all"
eq "the listener received only webhooks of the outbox" "$(comm -13 <(sort "$tmp/all") <(sort -u "$tmp/received") | wc -l)" 0

# ---- the store
if out=$("$SDM" --db "$db" check 2>&1); then ok "sdm check: $out"; else bad "sdm check: $out"; fi
if [ -s "$tmp/start.failed" ]; then bad "some starts failed: $(head -3 "$tmp/start.err")"; fi
if grep -q -i "sanitizer\|corrupt\|inconsistent" "$tmp"/worker*.log; then
  bad "worker logs: $(grep -i -m 3 "sanitizer\|corrupt\|inconsistent" "$tmp"/worker*.log)"
fi
finish

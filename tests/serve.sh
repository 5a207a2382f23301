#!/usr/bin/env bash
# `sdm serve` end to end: the real server (the test build) on a free
# loopback port, driven by curl. Sign-in, sessions, CSRF, bearer tokens,
# every access rule over HTTP (404 where existence must not leak, 403
# otherwise), double completion (409), malformed, deep and oversized bodies
# (400/413), the sign-in rate limit (429), the event stream delivering a
# new task, 200 concurrent starts and completions with every task completed
# exactly once, and a graceful stop. Ends with "N passed, N failed".
. "$(dirname "$0")/lib.sh"
SDM=${SDM:-$PWD/build/test/sdm}
tmp=$(mktemp -d /tmp/sdm_serve_XXXXXX)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
export SDM_DB=$tmp/t.db SDM_TZ=Europe/Moscow   # times in JSON carry +03:00
unset SDM_NOW

cat >"$tmp/sales.bpmn" <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:sdm="urn:sdm:bpmn:1" id="d" targetNamespace="x">
  <bpmn:process id="sales" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l1" name="call-centre"><bpmn:flowNodeRef>qualify</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="qualify"/>
    <bpmn:userTask id="qualify" name="Qualify the lead" sdm:due="PT4H"><bpmn:documentation>Call the client.</bpmn:documentation></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="qualify" targetRef="won"/>
    <bpmn:endEvent id="won"/>
  </bpmn:process>
  <bpmn:process id="work" isExecutable="true">
    <bpmn:laneSet id="ls2"><bpmn:lane id="l2" name="closer"><bpmn:flowNodeRef>do</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s2"/>
    <bpmn:sequenceFlow id="g1" sourceRef="s2" targetRef="do"/>
    <bpmn:userTask id="do" name="Do it" sdm:assign="least-open"/>
    <bpmn:sequenceFlow id="g2" sourceRef="do" targetRef="e2"/>
    <bpmn:endEvent id="e2"/>
  </bpmn:process>
</bpmn:definitions>
X
cat >"$tmp/org.txt" <<'X'
user adm roles=admin
user own roles=owner
user olga roles=head
user ivan roles=call-centre head=olga
user irina roles=call-centre head=olga
user petr roles=head
user pavel roles=call-centre head=petr
user m1 roles=closer head=olga
user m2 roles=closer head=olga
user m3 roles=closer head=olga
X
"$SDM" org load "$tmp/org.txt" >/dev/null && "$SDM" deploy "$tmp/sales.bpmn" >/dev/null || die "setup failed"
"$SDM" client add c-ivan --user ivan >/dev/null
"$SDM" client add c-ivan2 --user ivan >/dev/null
"$SDM" client add c-pavel --user pavel >/dev/null
echo 'ivan-secret-1' | "$SDM" user passwd ivan --password-stdin >/dev/null
echo 'irina-secret-1' | "$SDM" user passwd irina --password-stdin >/dev/null
token() { "$SDM" token create "$1" 2>/dev/null; }
T_ADM=$(token adm); T_OWN=$(token own); T_OLGA=$(token olga); T_PETR=$(token petr)
T_PAVEL=$(token pavel); T_IVAN=$(token ivan)

"$SDM" serve --listen 127.0.0.1:0 >"$tmp/out" 2>"$tmp/err" &
server=$!
for _ in $(seq 50); do grep -q listening "$tmp/out" && break; sleep 0.1; done
port=$(grep -o '[0-9]*$' "$tmp/out")
[ -n "$port" ] && ok || die "server did not start: $(cat "$tmp/err")"
U=http://127.0.0.1:$port
J=$tmp/jar

# call WANT_STATUS TEXT METHOD PATH [curl args...]: the status and a text in the body
call() {
  local want=$1 text=$2 method=$3 path=$4; shift 4
  local got
  got=$(curl -s -o "$tmp/body" -w '%{http_code}' -X "$method" "$@" "$U$path")
  if [ "$got" != "$want" ]; then bad "$method $path: $got, wanted $want: $(head -c 300 "$tmp/body")"; return 1; fi
  if [ -n "$text" ] && ! grep -q -- "$text" "$tmp/body"; then bad "$method $path: no '$text' in $(head -c 300 "$tmp/body")"; return 1; fi
  ok
}
field() { python3 -c "import json,sys; d=json.load(open('$tmp/body')); print($1)"; }

# 1 sign-in, sessions, CSRF
call 401 '"unauthorized"' GET /api/me
call 401 'wrong user or password' POST /api/session -d '{"user":"ivan","password":"nope-nope"}'
call 401 'wrong user or password' POST /api/session -d '{"user":"ghost","password":"nope-nope"}'
call 200 '"csrf"' POST /api/session -c "$J" -d '{"user":"ivan","password":"ivan-secret-1"}'
CSRF=$(field 'd["csrf"]')
grep -q 'HttpOnly' "$J" 2>/dev/null || grep -q '#HttpOnly_' "$J" && ok || bad "cookie is not HttpOnly"
call 200 '"user":"ivan"' GET /api/me -b "$J"
call 403 '"csrf"' POST /api/instances -b "$J" -d '{"process":"sales","client":"c-ivan"}'
call 403 '"csrf"' POST /api/instances -b "$J" -H "X-CSRF-Token: forged" -d '{"process":"sales","client":"c-ivan"}'
call 201 '"instance"' POST /api/instances -b "$J" -H "X-CSRF-Token: $CSRF" -d '{"process":"sales","client":"c-ivan"}'
T1=$(field 'd["tasks"][0]["id"]')
call 401 'not valid' GET /api/me -H "Authorization: Bearer sdm_0000000000000000000000000000000000000000000000000000000000000000"

# 2 tasks and their rules
call 200 "\"task\":$T1" GET '/api/tasks?when=all' -b "$J"
call 400 'when is' GET '/api/tasks?when=someday' -b "$J"
call 200 'Call the client' GET /api/tasks/$T1 -b "$J"
# times are written on the request's own handle, in the business zone
grep -Eq '"created_at": ?"[0-9-]{10}T[0-9:]{8}(\.[0-9]+)?\+03:00"' "$tmp/body" && ok || bad "created_at not in +03:00: $(head -c 300 "$tmp/body")"
"$SDM" start sales --client c-pavel >/dev/null
TP=$("$SDM" tasks --client c-pavel --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
call 404 "no task $TP" GET /api/tasks/$TP -b "$J"
call 404 "no task $TP" POST /api/tasks/$TP/complete -b "$J" -H "X-CSRF-Token: $CSRF" -d '{}'
call 404 'no task 99999' GET /api/tasks/99999 -b "$J"
call 200 'Call the client' GET /api/tasks/$TP -H "Authorization: Bearer $T_PAVEL"
call 200 'Call the client' GET /api/tasks/$TP -H "Authorization: Bearer $T_PETR"
call 404 '' GET /api/tasks/$TP -H "Authorization: Bearer $T_OLGA"
call 403 'may not act for' GET '/api/tasks?user=ivan' -H "Authorization: Bearer $T_PETR"
call 200 "\"task\":$T1" GET '/api/tasks?user=ivan' -H "Authorization: Bearer $T_OLGA"
call 200 '"done":"unclaim"' POST /api/tasks/$T1/unclaim -H "Authorization: Bearer $T_IVAN"
call 200 '"done":"claim"' POST /api/tasks/$T1/claim -H "Authorization: Bearer $T_IVAN"
call 400 'is required' POST /api/tasks/$T1/delegate -H "Authorization: Bearer $T_IVAN" -d '{}'
call 400 'must be an object' POST /api/tasks/$T1/complete -H "Authorization: Bearer $T_IVAN" -d '{"vars":[1]}'
call 200 '"done":"complete"' POST /api/tasks/$T1/complete -b "$J" -H "X-CSRF-Token: $CSRF" -d '{"vars":{"budget":5000}}'
call 409 '"state"' POST /api/tasks/$T1/complete -b "$J" -H "X-CSRF-Token: $CSRF" -d '{}'
call 200 '"card"' GET /api/clients/c-ivan -b "$J"
call 404 "no client 'c-pavel'" GET /api/clients/c-pavel -b "$J"
call 403 'may not start' POST /api/instances -H "Authorization: Bearer $T_IVAN" -d '{"process":"sales","client":"c-pavel"}'
call 404 '"notfound"' POST /api/messages -H "Authorization: Bearer $T_IVAN" -d '{"name":"nobody-waits","client":"c-ivan"}'

# 3 process owners, heads, reports
call 403 '"denied"' GET /api/incidents -H "Authorization: Bearer $T_IVAN"
call 200 '' GET /api/incidents -H "Authorization: Bearer $T_OWN"
call 200 '' GET /api/incidents -H "Authorization: Bearer $T_OLGA"
call 403 '"denied"' POST '/api/deployments?name=s.bpmn' -H "Authorization: Bearer $T_IVAN" --data-binary @"$tmp/sales.bpmn"
call 201 '"deployed"' POST '/api/deployments?name=s.bpmn' -H "Authorization: Bearer $T_OWN" --data-binary @"$tmp/sales.bpmn"
sed 's/targetRef="won"/targetRef="nowhere"/' "$tmp/sales.bpmn" >"$tmp/bad.bpmn"
call 422 '"line"' POST '/api/deployments?name=bad.bpmn' -H "Authorization: Bearer $T_OWN" --data-binary @"$tmp/bad.bpmn"
call 422 '"problems"' POST '/api/deployments?name=bad.bpmn' -H "Authorization: Bearer $T_OWN" --data-binary @"$tmp/bad.bpmn"
call 200 'id="qualify"' GET '/api/processes/sales/diagram?overlay=1' -H "Authorization: Bearer $T_OWN"
call 403 '' GET '/api/processes/sales/diagram' -H "Authorization: Bearer $T_IVAN"
call 200 '"sales"' GET /api/processes -H "Authorization: Bearer $T_IVAN"
call 200 '"ivan"' GET /api/monitor -H "Authorization: Bearer $T_OLGA"
call 403 '' GET /api/monitor -H "Authorization: Bearer $T_IVAN"
call 403 '' GET '/api/monitor?team=olga' -H "Authorization: Bearer $T_PETR"
call 200 '' GET /api/reports/kpi -H "Authorization: Bearer $T_OLGA"
call 200 '' GET '/api/reports/funnel?process=sales' -H "Authorization: Bearer $T_OLGA"
call 403 '' GET /api/reports/handoffs -H "Authorization: Bearer $T_IVAN"
call 404 '' GET /api/reports/mood -H "Authorization: Bearer $T_OLGA"
call 400 'ISO 8601' GET '/api/reports/kpi?from=yesterday' -H "Authorization: Bearer $T_OLGA"

# 3b documents from the models as pages: one's own instruction, a head's
# team, never another team's; the regulation and the role matrix
call 200 'Qualify the lead' GET /api/docs/instruction -H "Authorization: Bearer $T_IVAN"
call 200 'Qualify the lead' GET '/api/docs/instruction?user=ivan' -H "Authorization: Bearer $T_OLGA"
call 403 'may not act for pavel' GET '/api/docs/instruction?user=pavel' -H "Authorization: Bearer $T_IVAN"
call 403 '' GET '/api/docs/instruction?role=closer' -H "Authorization: Bearer $T_IVAN"
call 200 'Индивидуальная инструкция' GET '/api/docs/instruction?role=call-centre&lang=ru' -H "Authorization: Bearer $T_IVAN"
call 200 'Qualify the lead' GET /api/docs/regulation/sales -H "Authorization: Bearer $T_IVAN"
call 404 '' GET /api/docs/regulation/nope -H "Authorization: Bearer $T_IVAN"
call 200 'call-centre' GET /api/docs/matrix -H "Authorization: Bearer $T_OLGA"

# 4 deviations and the inbox
sqlite3 "$SDM_DB" "INSERT INTO deviations(manager, rule, severity, message, state, raised_at) VALUES('ivan','late','high','m','open',1);
  INSERT INTO inbox(user, subject, body, created_at) VALUES('ivan','hello','b',1);"
call 200 '"late"' GET /api/deviations -H "Authorization: Bearer $T_IVAN"
call 200 '\[\]' GET /api/deviations -H "Authorization: Bearer $T_PETR"
call 403 'their head' POST /api/deviations/1/acknowledge -H "Authorization: Bearer $T_IVAN" -d '{"note":"mine"}'
call 404 'no deviation 1' POST /api/deviations/1/acknowledge -H "Authorization: Bearer $T_PETR" -d '{}'
call 200 '"acknowledged"' POST /api/deviations/1/acknowledge -H "Authorization: Bearer $T_OLGA" -d '{"note":"called him"}'
[ "$(sqlite3 "$SDM_DB" 'SELECT note FROM deviations WHERE id = 1')" = "called him" ] && ok || bad "the note was not kept"
call 200 '"hello"' GET /api/inbox -H "Authorization: Bearer $T_IVAN"
call 404 'no message 1' POST /api/inbox/1/read -H "Authorization: Bearer $T_PAVEL"
call 200 '"read"' POST /api/inbox/1/read -H "Authorization: Bearer $T_IVAN"
call 200 '\[\]' GET '/api/inbox?state=unread' -H "Authorization: Bearer $T_IVAN"

# 5 bad input and limits
call 400 'malformed JSON' POST /api/instances -H "Authorization: Bearer $T_IVAN" -d '{"process":'
call 400 'not an object' POST /api/instances -H "Authorization: Bearer $T_IVAN" -d '[1,2]'
call 400 'too deeply' POST /api/instances -H "Authorization: Bearer $T_IVAN" -d "$(printf '%.0s[' $(seq 100))"
head -c 2000000 /dev/zero | tr '\0' 'a' >"$tmp/big"
call 413 'too large' POST /api/instances -H "Authorization: Bearer $T_IVAN" --data-binary @"$tmp/big"
call 400 'required' POST /api/instances -H "Authorization: Bearer $T_IVAN" -d '{}'
call 404 'no such resource' GET /api/nothing -H "Authorization: Bearer $T_IVAN"
call 405 '' DELETE /api/tasks -H "Authorization: Bearer $T_IVAN"
big=$(head -c 70000 /dev/zero | tr '\0' 'x')
got=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$U/api/me")
[ "$got" = 431 ] || [ "$got" = 413 ] && ok || bad "an oversized header gave $got"

# 6 the sign-in rate limit: 5 failures for a user, then 429 even with the right password
for _ in 1 2 3 4 5; do curl -s -o /dev/null -X POST "$U/api/session" -d '{"user":"irina","password":"wrong-wrong"}'; done
call 429 'too many' POST /api/session -d '{"user":"irina","password":"irina-secret-1"}'
grep -q . "$tmp/body" && curl -s -D - -o /dev/null -X POST "$U/api/session" -d '{"user":"irina","password":"x"}' | grep -qi '^Retry-After' && ok || bad "no Retry-After"

# 7 the event stream delivers a new task to its user
curl -s -N --max-time 8 -H "Authorization: Bearer $T_IVAN" "$U/api/events" >"$tmp/sse" &
sse=$!
for _ in $(seq 50); do grep -q retry "$tmp/sse" && break; sleep 0.1; done
"$SDM" start sales --client c-ivan2 >/dev/null
for _ in $(seq 60); do grep -q 'event: task' "$tmp/sse" && break; sleep 0.1; done
grep -q 'event: task' "$tmp/sse" && grep -q '"client":"c-ivan2"' "$tmp/sse" && ok || bad "no task event: $(cat "$tmp/sse")"
grep -q 'c-pavel' "$tmp/sse" && bad "pavel's task reached ivan's stream" || ok
kill "$sse" 2>/dev/null; wait "$sse" 2>/dev/null

# 8 concurrency: 200 starts and 200 completions, 20 at a time
seq 200 | xargs -P 20 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $T_ADM" \
  -d '{"process":"work","client":"k{}"}' "$U/api/instances" >"$tmp/starts"
[ "$(grep -c '^201$' "$tmp/starts")" = 200 ] && ok || bad "starts: $(sort "$tmp/starts" | uniq -c)"
"$SDM" tasks --process work --json | python3 -c 'import json,sys; [print(t["id"]) for t in json.load(sys.stdin)]' >"$tmp/ids"
[ "$(wc -l <"$tmp/ids")" = 200 ] && ok || bad "$(wc -l <"$tmp/ids") open tasks, wanted 200"
xargs -P 20 -I@ curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $T_ADM" -d '{}' \
  "$U/api/tasks/@/complete" <"$tmp/ids" >"$tmp/done"
[ "$(grep -c '^200$' "$tmp/done")" = 200 ] && ok || bad "completions: $(sort "$tmp/done" | uniq -c)"
head -20 "$tmp/ids" | xargs -P 20 -I@ curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $T_ADM" \
  -d '{}' "$U/api/tasks/@/complete" >"$tmp/again"
[ "$(grep -c '^409$' "$tmp/again")" = 20 ] && ok || bad "second completions: $(sort "$tmp/again" | uniq -c)"
[ "$(sqlite3 "$SDM_DB" "SELECT count(*) FROM tasks t JOIN instances i ON i.id = t.instance_id WHERE i.process = 'work' AND t.state = 'completed'")" = 200 ] && ok || bad "completed count"
[ "$(sqlite3 "$SDM_DB" "SELECT count(*) FROM history h JOIN instances i ON i.id = h.instance_id WHERE i.process = 'work' AND h.node = 'do' AND h.event = 'leave'")" = 200 ] && ok || bad "each task left once"
"$SDM" check | grep -q '^ok' && ok || bad "sdm check: $("$SDM" check)"

# 9 sign out, a revoked token, a graceful stop
call 200 '' DELETE /api/session -b "$J" -H "X-CSRF-Token: $CSRF"
call 401 '' GET /api/me -b "$J"
"$SDM" token revoke pavel >/dev/null
call 401 'not valid' GET /api/me -H "Authorization: Bearer $T_PAVEL"
kill -TERM "$server"
for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server" 2>/dev/null; then bad "the server did not stop on SIGTERM"; else
  wait "$server"; rc=$?; server=
  [ "$rc" = 0 ] && grep -q 'server stopped' "$tmp/err" && ok || bad "stop: exit $rc, $(cat "$tmp/err")"
fi

# 10 TLS: with a certificate the same API answers over HTTPS, and the
# session cookie is marked Secure
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null || bad "openssl could not make a certificate"
"$SDM" serve --listen 127.0.0.1:0 --cert "$tmp/cert.pem" --key "$tmp/key.pem" >"$tmp/out" 2>"$tmp/err" &
server=$!
for _ in $(seq 50); do grep -q listening "$tmp/out" && break; sleep 0.1; done
port=$(grep -o '[0-9]*$' "$tmp/out")
if [ -z "$port" ]; then bad "TLS server did not start: $(cat "$tmp/err")"; else
  grep -q 'https://' "$tmp/out" && ok || bad "TLS server says $(cat "$tmp/out")"
  h=$(curl -s -k -D - -o /dev/null -d '{"user":"ivan","password":"ivan-secret-1"}' "https://127.0.0.1:$port/api/session")
  grep -qi '^set-cookie:.*; Secure' <<<"$h" && ok || bad "HTTPS sign-in: $h"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/me")" != 401 ] && ok || bad "plain HTTP answered on the TLS port"
  kill -TERM "$server"; wait "$server"; server=
fi
finish

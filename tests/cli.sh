#!/usr/bin/env bash
# The command line as a person and a shell script meet it: options as
# getopt_long parses them, usage errors (exit 64), help from the command
# table, reads that never create a database, settings from sdm.conf <
# environment < options (`sdm config`), times in the business zone, CSV for
# spreadsheets, --var refusals, worker log lines, and `make install` into a
# temporary DESTDIR. Ends with "N passed, N failed".
. "$(dirname "$0")/lib.sh"
ROOT=$PWD
SDM=${SDM:-$ROOT/build/test/sdm}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
unset SDM_DB SDM_NOW SDM_CALENDAR SDM_TZ SDM_SMTP_URL SDM_SMTP_FROM SDM_SMTP_USER SDM_SMTP_PASSWORD \
      SDM_WEBHOOK_SECRET SDM_SYNC SDM_LANG SDM_LISTEN
export XDG_CONFIG_HOME=$tmp/xdg
cd "$tmp"

# ---- 1. a read never creates a database; nor does a write
expect 4 "no database at $tmp/none.db: deploy a model first or run \`sdm init\`" -- --db "$tmp/none.db" tasks
[ ! -e none.db ] && [ ! -e none.db-wal ] && [ ! -e none.db-shm ] && ok "no file after a read" || bad "a read left files: $(ls)"
expect 4 "no database at" -- --db "$tmp/none.db" complete 1
[ ! -e none.db ] && ok "no file after a refused write" || bad "a write on a missing database created it"
expect 0 "ready" -- --db "$tmp/t.db" init
[ -s t.db ] && ok "sdm init creates the database" || bad "sdm init made no file"
export SDM_DB=$tmp/t.db

# ---- 2. options as getopt_long parses them
cat > m.bpmn <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:t">
  <process id="p" isExecutable="true">
    <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="u"/>
    <userTask id="u" name="Звонок"/><sequenceFlow id="f2" sourceRef="u" targetRef="w"/>
    <intermediateCatchEvent id="w"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></intermediateCatchEvent>
    <sequenceFlow id="f3" sourceRef="w" targetRef="e"/><endEvent id="e"/>
  </process>
</definitions>
EOF
printf 'timezone = Europe/Moscow\nhours = Mon-Fri 09:00-18:00\n' > moscow.calendar
export SDM_CALENDAR=$tmp/moscow.calendar
expect 0 "deployed" -- deploy m.bpmn
expect 0 "started instance 1" -- start p --client='Ромашка; "М"' --now 2026-12-02T10:00:00+03:00
expect 0 "started instance 2" -- --now=2026-12-02T11:00:00+03:00 start p --client beta
a=$("$SDM" tasks --client=beta 2>&1); b=$("$SDM" tasks --client beta 2>&1)
[ "$a" = "$b" ] && [[ $a == *beta* ]] && [[ $a != *Ромашка* ]] && ok "--client=beta and --client beta filter alike" \
  || bad "--client=beta / --client beta: '$a' vs '$b'"
expect 64 "unknown option '--frob'" -- tasks --frob
expect 64 "unexpected argument 'marina'" -- tasks marina
expect 64 "needs a value" -- tasks --user
expect 64 "does not apply to 'sdm deploy'" -- deploy m.bpmn --user x
expect 64 "not a command" -- user frob x
expect 64 "unknown command" -- frobnicate
expect 64 "usage" --
expect 0 "Exit status" -- --help
expect 0 "usage: sdm tasks [OPTIONS]" -- help tasks
expect 0 "--overdue" -- tasks --help
expect 0 "usage: sdm user deactivate NAME" -- user --help
out=$("$SDM" user add --help); [[ $out == *"user add"* && $out != *deactivate* ]] && ok "user add --help: only that row" \
  || bad "user add --help: $out"
"$SDM" --help | grep -q -- "--csv " && ok "--help lists --csv" || bad "--help does not list --csv"
for k in $("$SDM" --help | sed -n 's/^  \([a-z]*\) .*/\1/p' | sort -u); do
  "$SDM" help "$k" >/dev/null || bad "sdm help $k fails"
done; ok "sdm help works for every command in --help"

# ---- 3. times people read, in the business zone; JSON with the offset
out=$("$SDM" tasks --client beta)
[[ $out == *"2026-12-02 11:00"* ]] && ok "table time in Europe/Moscow" || bad "table time: $out"
out=$("$SDM" tasks --client beta --json)
[[ $out == *'"created_at": "2026-12-02T11:00:00+03:00"'* ]] && ok "JSON time with offset" || bad "JSON time: $out"

# ---- 4. CSV for spreadsheets
"$SDM" tasks --csv --csv-bom > bom.csv
[ "$(head -c 3 bom.csv | od -An -tx1 | tr -d ' ')" = efbbbf ] && ok "--csv-bom starts with the UTF-8 BOM" || bad "no BOM"
out=$("$SDM" tasks --csv-sep ';' --client 'Ромашка; "М"')
[[ $out == *'1;1;"Ромашка; ""М""";p;u;Звонок;;;open;2026-12-02 10:00;'* ]] \
  && ok "--csv-sep ';': RFC 4180 quoting, Cyrillic intact, local time" || bad "CSV: $out"
out=$("$SDM" tasks --csv --client beta)
[[ $out == *'2,2,beta,p,u,Звонок,,,open,2026-12-02 11:00,'* ]] && ok "--csv with commas" || bad "CSV: $out"
expect 64 "one character" -- tasks --csv-sep ';;'

# ---- 5. --var refusals and acceptances
expect 64 "not printable UTF-8" -- vars 1 --var $'\xff'=1
expect 64 "not printable UTF-8" -- vars 1 --var $'a\x01b'=1
expect 64 "not valid UTF-8" -- vars 1 --var $'x=\xc3'
expect 64 "out of range" -- vars 1 --var x=1e400
expect 64 "NAME=VALUE" -- vars 1 --var =1
expect 0 "" -- vars 1 --var big=1e300 --var n=123456789012345678901234 --var s='"ok"' --var t=plain
out=$("$SDM" vars 1 --json)
[[ $out == *e300* && $out == *e23* && $out == *plain* ]] && ok "in-range numbers and text kept" || bad "vars: $out"

# ---- 6. settings: sdm.conf < environment < options, as sdm config shows
mkdir -p xdg/sdm
printf '[sdm]\ncalendar = /xdg/cal\nlanguage = ru\n' > xdg/sdm/sdm.conf
printf '# local\ndatabase = file.db   # comment\nsync = full\n[webhook]\nsecret = topsecret\n[smtp]\nurl = "smtp://a b"\n' > sdm.conf
out=$(env -u SDM_DB -u SDM_CALENDAR "$SDM" config)
grep -q "^database .*file.db .*file sdm.conf:2" <<<"$out" && ok "file sets database (sdm.conf:2)" || bad "config: $out"
grep -q "^language .*ru .*file $tmp/xdg/sdm/sdm.conf:3" <<<"$out" && ok "XDG file read" || bad "config xdg: $out"
grep -q "^sync .*full" <<<"$out" && grep -q '^smtp.url .*smtp://a b ' <<<"$out" && ok "sync, quoted value" || bad "config: $out"
[[ $out != *topsecret* ]] && grep -q '^webhook.secret .*\*\*\*' <<<"$out" && ok "secret masked" || bad "secret shown: $out"
out=$(env SDM_DB=env.db "$SDM" config)
grep -q "^database .*env.db .*env SDM_DB" <<<"$out" && ok "env overrides file" || bad "config env: $out"
out=$(env SDM_DB=env.db "$SDM" config --db opt.db)
grep -q "^database .*opt.db .*option --db" <<<"$out" && ok "option overrides env" || bad "config opt: $out"
out=$("$SDM" --config /dev/null config)
grep -q "^language .*en .*default" <<<"$out" && ok "--config FILE replaces the lookup" || bad "--config: $out"
printf 'colour = red\n' > bad.conf
expect 78 "bad.conf:1): unknown setting 'colour'" -- --config bad.conf config
printf 'sync = sometimes\n' > bad.conf
expect 78 "sync is normal or full" -- --config bad.conf config
expect 78 "cannot read" -- --config nowhere.conf config
# the runtime limits: [limits] in sdm.conf, the library's defaults shown, and they take effect
out=$("$SDM" --config /dev/null config)
grep -q "^limits.step_ms .*5000 .*default" <<<"$out" && ok "limits shown with the library's defaults" || bad "limits: $out"
printf '[limits]\nstep_ms = 7000\nmax_model_bytes = 100\n' > lim.conf
out=$("$SDM" --config lim.conf config)
grep -q "^limits.step_ms .*7000 .*file lim.conf:2" <<<"$out" && ok "[limits] step_ms from sdm.conf" || bad "limits file: $out"
expect 3 "over the limit of 100" -- --config lim.conf --db "$tmp/t.db" deploy "$ROOT/models/deal-discussion.bpmn"
printf '[limits]\ntick_ms = soon\n' > bad.conf
expect 78 "limits.tick_ms wants a whole number above 0, not 'soon'" -- --config bad.conf config
out=$(env USER=olga TZDIR=/nowhere "$SDM" --config /dev/null config)
grep -q "^actor .*olga .*env USER" <<<"$out" && grep -q "^zone_dir .*/nowhere .*env TZDIR" <<<"$out" \
  && ok "actor and zone_dir from the environment, read by conf.c only" || bad "actor/zone_dir: $out"
expect 0 "2026-12-02 16:00" -- --config /dev/null --db "$tmp/t.db" --time-zone Asia/Tokyo tasks
TZDIR=/nowhere expect 1 "unknown time zone" -- --config /dev/null --db "$tmp/t.db" --time-zone Asia/Tokyo tasks
rm sdm.conf lim.conf; rm -r xdg

# ---- 7. worker log lines: one per event, text or JSON
"$SDM" complete 1 --now 2026-12-02T10:30:00+03:00 >/dev/null
err=$("$SDM" tick --now 2026-12-02T12:00:00+03:00 2>&1 >/dev/null)
grep -Eq '^2026-12-02T12:00:00\+03:00 info job-fired job [0-9]+ timer instance 1 node w$' <<<"$err" \
  && ok "sdm tick logs the fired timer" || bad "tick log: $err"
"$SDM" complete 2 --now 2026-12-02T11:30:00+03:00 >/dev/null
err=$("$SDM" tick --log-json --now 2026-12-02T13:00:00+03:00 2>&1 >/dev/null)
python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert o["event"]=="job-fired" and o["level"]=="info" and o["time"].endswith("+03:00"), o' "$err" \
  && ok "--log-json: one JSON object per line" || bad "log json: $err"
# -k: under the sanitizers a leak check at exit has been seen to hang; the
# log lines are what this checks
timeout -k 3 10 "$SDM" run --now 2026-12-02T14:00:00+03:00 2>run.log & p=$!
sleep 1; kill -TERM $p; wait $p
grep -q "info worker-started $tmp/t.db" run.log && tail -n 1 run.log | grep -q "info worker-stopped" \
  && ok "sdm run logs start and stop" || bad "run log: $(cat run.log)"

# ---- 8. make install into a temporary DESTDIR, then uninstall
cd "$ROOT"
d=$tmp/inst
if env -u MAKEFLAGS -u MAKELEVEL make -s install DESTDIR="$d" PREFIX=/usr/local >"$tmp/install.log" 2>&1; then
  missing=
  for f in usr/local/bin/sdm usr/local/lib/libsdm.a usr/local/include/sdm.h usr/local/lib/pkgconfig/sdm.pc \
           usr/local/share/man/man1/sdm.1 usr/local/share/bash-completion/completions/sdm \
           usr/local/lib/systemd/system/sdm-worker.service usr/local/lib/systemd/system/sdm-server.service etc/sdm/sdm.conf; do
    [ -e "$d/$f" ] || missing="$missing $f"
  done
  [ -z "$missing" ] && ok "install tree complete" || bad "install tree lacks:$missing"
  PKG_CONFIG_PATH=$d/usr/local/lib/pkgconfig pkg-config --validate sdm && ok "sdm.pc valid" || bad "sdm.pc invalid"
  [ "$(PKG_CONFIG_PATH=$d/usr/local/lib/pkgconfig pkg-config --libs-only-l sdm | cut -d' ' -f1)" = -lsdm ] \
    && ok "sdm.pc links -lsdm" || bad "sdm.pc libs"
  grep -q "^ExecStart=/usr/local/bin/sdm run$" "$d/usr/local/lib/systemd/system/sdm-worker.service" \
    && grep -q "^ExecStart=/usr/local/bin/sdm serve$" "$d/usr/local/lib/systemd/system/sdm-server.service" \
    && ok "systemd units run sdm run / sdm serve" || bad "units"
  if command -v groff >/dev/null; then
    page=$(groff -man -Tutf8 -ww "$d/usr/local/share/man/man1/sdm.1" 2>"$tmp/groff.err" | sed 's/.\x08//g')
    [[ $page == *"sdm deviation ack"* ]] && [ ! -s "$tmp/groff.err" ] && ok "man page renders without warnings" \
      || bad "man page: $(head -3 "$tmp/groff.err")"
  else ok "groff not installed: man page render skipped"; fi
  bash -n "$d/usr/local/share/bash-completion/completions/sdm" && ok "completion script parses" || bad "completion"
  echo "# mine" >> "$d/etc/sdm/sdm.conf"
  env -u MAKEFLAGS -u MAKELEVEL make -s install DESTDIR="$d" PREFIX=/usr/local >/dev/null 2>&1
  grep -q "# mine" "$d/etc/sdm/sdm.conf" && ok "install keeps an existing sdm.conf" || bad "sdm.conf overwritten"
  env -u MAKEFLAGS -u MAKELEVEL make -s uninstall DESTDIR="$d" PREFIX=/usr/local >/dev/null 2>&1
  left=$(cd "$d" && find . -type f | sort | tr '\n' ' ')
  [ "$left" = "./etc/sdm/sdm.conf " ] && ok "uninstall removes all but the settings" || bad "left after uninstall: $left"
else
  bad "make install failed: $(tail -5 "$tmp/install.log")"
fi

finish

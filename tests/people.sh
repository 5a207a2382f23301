#!/usr/bin/env bash
# The people's commands end to end through the sdm command line (the test
# build, build/test/sdm): org load, user add/deactivate, users, clients,
# the calendar, task show/claim/unclaim/delegate/complete, monitor, reports
# with --csv/--json/--out. Bad input must fail with a clear message, the
# documented exit code, and change nothing. Ends with "N passed, N failed".
. "$(dirname "$0")/lib.sh"
SDM=${SDM:-build/test/sdm}
tmp=$(mktemp -d /tmp/sdm_people_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export SDM_DB=$tmp/t.db SDM_NOW=2026-03-02T09:00:00Z

cat >"$tmp/sales.bpmn" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:sdm="urn:sdm:bpmn:1" id="d" targetNamespace="x">
  <bpmn:process id="sales" name="Sales" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l1" name="call-centre"><bpmn:flowNodeRef>qualify</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="l2" name="closer"><bpmn:flowNodeRef>sell</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="l4" name="service-desk"><bpmn:flowNodeRef>serve</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="qualify"/>
    <bpmn:userTask id="qualify" name="Qualify the lead" sdm:stage="Lead" sdm:due="PT4H">
      <bpmn:documentation>Call the client. Ask about budget and timing.</bpmn:documentation>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="qualify" targetRef="g1"/>
    <bpmn:exclusiveGateway id="g1" default="f3"/>
    <bpmn:sequenceFlow id="f3" sourceRef="g1" targetRef="sell"/>
    <bpmn:sequenceFlow id="f4" sourceRef="g1" targetRef="lost"><bpmn:conditionExpression>var("outcome") == "lost"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:userTask id="sell" name="Close the deal" sdm:stage="Deal" sdm:due="P1D"/>
    <bpmn:sequenceFlow id="f7" sourceRef="sell" targetRef="serve"/>
    <bpmn:userTask id="serve" name="Onboard" sdm:stage="Service" sdm:assign="round-robin" sdm:due="P3D"/>
    <bpmn:sequenceFlow id="f9" sourceRef="serve" targetRef="won"/>
    <bpmn:endEvent id="won" sdm:outcome="success"/>
    <bpmn:endEvent id="lost" sdm:outcome="failure"/>
  </bpmn:process>
</bpmn:definitions>
EOF
cat >"$tmp/org.txt" <<'EOF'
# sales department
user olga   "Olga Ivanova" olga@example.com roles=head
user ivan   roles=call-centre head=olga
user marina "Marina Petrova" roles=closer head=olga
user max    roles=closer head=olga
user sam    roles=service-desk head=olga
EOF
printf 'user a roles=x\nuser b roles=x wat\n' >"$tmp/bad.txt"

expect 0 "added" -- org load "$tmp/org.txt"
expect 0 "unchanged" -- org load "$tmp/org.txt"
expect 64 "bad.txt:2" -- org load "$tmp/bad.txt"
expect 0 "" -- users
[ "$("$SDM" users --csv | wc -l)" -eq 6 ] && ok || bad "a bad org file changed the users"
expect 64 "usage" -- org load
expect 0 "added user nina" -- user add nina --role closer --team olga --name "Nina N"
expect 5 "already exists" -- user add nina --role closer
expect 4 "no user 'ghost'" -- user add zed --role closer --team ghost
expect 0 "nina" -- users --role closer
expect 0 "" -- deploy "$tmp/sales.bpmn"
expect 0 "ivan" -- start sales --client acme --var name=ACME --var segment=smb
expect 5 "already has an active instance" -- start sales --client acme
expect 0 "ACME" -- client show acme
expect 0 "" -- client add beta --name "Beta LLC" --var region=north --user max
expect 5 "already exists" -- client add beta
expect 64 "unknown client field" -- client set beta --var colour=red
expect 4 "no user 'ghost'" -- client set beta --user ghost
expect 0 "max" -- clients --user max
expect 0 "Call the client" -- task show 1
expect 4 "no task 9" -- task show 9
# the calendar
SDM_NOW=2026-03-02T14:00:00Z expect 0 "overdue" -- tasks --user ivan --overdue
expect 0 "today" -- tasks --user ivan --today
expect 4 "no user 'ghost'" -- tasks --user ghost --overdue
[ "$("$SDM" tasks --user ivan --upcoming --csv | wc -l)" -eq 1 ] && ok || bad "upcoming should be empty"
# claims
expect 4 "no user 'ghost'" -- task claim 1 --user ghost
expect 5 "assigned to 'ivan'" -- task claim 1 --user marina
expect 0 "claimed" -- task claim 1 --user olga
expect 0 "unclaimed" -- task unclaim 1
expect 0 "claimed" -- task claim 1 --user ivan
expect 5 "does not have the role" -- task delegate 1 --to sam
expect 64 "usage" -- task delegate 1
expect 5 "assigned to 'ivan', not to 'marina'" -- task complete 1 --user marina
expect 0 "completed task 1" -- task complete 1 --user ivan
expect 5 "already completed" -- task claim 1 --user ivan
expect 5 "already completed" -- task complete 1
expect 0 "marina" -- tasks --user marina --all
expect 0 "delegated" -- task delegate 2 --to max
# reports
expect 0 "Lead" -- report funnel sales
expect 0 "stage,reached" -- report funnel sales --csv
expect 0 '"stage": "Deal"' -- report funnel sales --json
expect 0 "" -- report funnel sales --by segment --out "$tmp/f.svg"
grep -q '<svg' "$tmp/f.svg" && ok || bad "no svg written"
expect 0 "" -- report funnel sales --out "$tmp/f.html"
grep -q '<!DOCTYPE html>' "$tmp/f.html" && ok || bad "no html written"
expect 64 "--out wants" -- report funnel sales --out "$tmp/f.png"
expect 64 "groups --by" -- report funnel sales --by colour
expect 4 "no process" -- report funnel nope
expect 64 "not an ISO 8601" -- report funnel sales --from yesterday
expect 0 "call-centre" -- report kpi
expect 0 "closer" -- report handoffs
expect 0 "manager" -- report deviations
expect 64 "not a command" -- report weather
expect 0 "marina" -- monitor --team olga
expect 4 "no user 'ghost'" -- monitor --team ghost
# a manager leaves
expect 4 "no user 'ghost'" -- user deactivate max --to ghost
expect 0 "deactivated max" -- user deactivate max --to marina
expect 0 "marina" -- task show 2
expect 5 "not active" -- user deactivate max
# identifiers, duplicates, merge, card fields, contacts, one holder per role
expect 0 "7701234567" -- client add globex-llc --name "Globex, LLC" --var inn="77 0123 4567"
expect 5 "looks like 'globex-llc'" -- client add GLOBEX-2 --var inn=7701234567
expect 5 "looks like 'globex-llc'" -- start sales --client globex-ltd --var name="Globex Ltd."
expect 4 "no client 'globex-ltd'" -- client show globex-ltd
expect 0 "started" -- start sales --client globex-ltd --force
expect 64 "10 or 12 digits" -- client set beta --var inn=123
expect 0 "+74951234567" -- client set beta --var phone="8 (495) 123-45-67"
expect 0 "industry" -- card field add industry --type text --label Industry
expect 64 "text, number, bool or date" -- card field add size --type huge
expect 0 "retail" -- client set beta --var industry=retail
expect 0 "beta" -- clients --where industry=retail
expect 64 "no card field" -- clients --where colour=red
expect 0 "retail" -- report clients --by industry
expect 0 "logged call" -- client log beta --type call --text "asked for a price list"
expect 64 "call, meeting, email or note" -- client log beta --type fax --text x
expect 0 "asked for a price list" -- client show beta
expect 0 "merged globex-ltd into globex-llc" -- client merge globex-llc globex-ltd
expect 0 "globex-llc" -- instances --client globex-llc
expect 5 "does not have the role" -- client assign globex-llc --role call-centre --user olga
expect 0 "holds call-centre" -- client assign globex-llc --role call-centre --user ivan
expect 0 "call-centre:ivan" -- client show globex-llc
# plans
expect 0 "marina" -- plan set 3 --user marina --month 2026-03 --metric won
expect 64 "YYYY-MM" -- plan set 3 --user marina --month March --metric won
expect 64 "usage" -- plan set lots --user marina --month 2026-03 --metric won
expect 0 "closer" -- plan set 1000 --role closer --month 2026-03 --metric revenue
expect 0 "done_pct" -- report plan --month 2026-03
expect 0 "conversion_pct:Offer" -- plan set 60 --role closer --month 2026-03 --metric conversion_pct:Offer
expect 64 "conversion_pct:STAGE" -- plan set 60 --role closer --month 2026-03 --metric conversion
# plans, languages and who hears of new tasks in the org file
cat >"$tmp/plans.txt" <<'EOF'
user olga roles=head lang=ru
plan 2026-03 role=closer won=4 revenue=2000   # a tier's targets
role closer notify=inbox
EOF
expect 0 "plan 2026-03 role=closer" -- org load "$tmp/plans.txt"
printf 'plan 2026-03 role=closer won=lots\n' >"$tmp/badplan.txt"
expect 64 "badplan.txt:1" -- org load "$tmp/badplan.txt"
expect 0 "plan against actual, 2026-03" -- report kpi --to 2026-04-01T00:00:00Z
expect 0 "(all)" -- report kpi
expect 0 "ok" -- check

finish

#!/usr/bin/env bash
# The sales-department demo (`make demo`): a fresh database, the models in
# models/, the organisation in scripts/demo-org.txt, four simulated weeks of
# work for 240 clients (scripts/demo-profile.json, fixed seed), then what
# each person would see.
set -eu            # no pipefail: `| head` may close a pipe early
cd "$(dirname "$0")/.."
export SDM_DB=build/demo.db SDM_CALENDAR=models/sales.calendar
rm -f build/demo.db build/demo.db-wal build/demo.db-shm
sdm() { build/sdm --scripts scripts "$@"; }
START=2026-11-02T09:00:00+03:00     # a Monday morning
END=2026-11-30T10:00:00+03:00       # four weeks later
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. The process owner deploys the sales procedure (models/*.bpmn)"
for f in models/*.bpmn; do sdm deploy "$f"; done

step "2. The organisation: who has which role, who reports to whom"
sdm org load scripts/demo-org.txt
sdm users
echo "-- the client card's own fields (the steps fill them: sdm:card)"
sdm card field add category --type text --label "Category (key, A, B, C)" >/dev/null
sdm card field add budget --type number --label "Budget" >/dev/null
sdm card fields

step "3. Four weeks of work: leads arrive, managers complete tasks (some late), deals are won and lost"
sdm simulate scripts/demo-profile.json --now "$START"

step "4. Marina (closer) opens her calendar on $END"
echo "-- overdue:";  sdm tasks --user marina --overdue --now "$END"
echo "-- today:";    sdm tasks --user marina --today --now "$END"
echo "-- upcoming:"; sdm tasks --user marina --upcoming --now "$END" | head -8

step "5. What Marina sees for her next task: the contact script, the client, what comes next"
task=$(sdm tasks --user marina --json | sed -n 's/.*"id": \([0-9]*\).*/\1/p' | head -1)
[ -n "$task" ] && sdm task show "$task" --now "$END" | head -40

step "6. Olga (head) looks at the monitor"
sdm monitor --team olga --now "$END"

step "7. Deviations the checkpoints raised (latest first), and where they cluster"
sdm deviations --open | head -12
sdm report deviations --by rule
echo "-- Olga's in-app alerts:"
sdm tick --now "$END" >/dev/null      # deliver what the outbox holds
sdm inbox --user olga | head -6

step "8. The sales funnel of the deal discussion, by manager (picture: build/funnel.svg)"
sdm report funnel deal-discussion --now "$END"
sdm report funnel deal-discussion --by manager --now "$END" | head -20
sdm report funnel deal-discussion --out build/funnel.svg >/dev/null && echo "wrote build/funnel.svg"

step "8a. The client base by the fields the steps filled"
sdm report clients --by category
sdm report clients --by segment
echo "-- clients of category A:"; sdm clients --where category=A | head -5

step "9. Per manager: tasks on time, cycle time, handoffs"
sdm report kpi --now "$END" | head -20

step "9a. Plans for November against what was done"
sdm plan set 20 --role closer --month 2026-11 --metric won >/dev/null
sdm plan set 15000000 --role closer --month 2026-11 --metric revenue >/dev/null
sdm plan set 85 --team olga --month 2026-11 --metric on_time_pct >/dev/null
sdm plan set 120 --user marina --month 2026-11 --metric tasks >/dev/null
sdm report plan --month 2026-11

step "10. The store is consistent"
sdm check

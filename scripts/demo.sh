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

step "2. The organisation: who has which role, who reports to whom, the month's plans, who hears of new tasks"
sdm org load scripts/demo-org.txt | tail -8
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

step "8. The sales funnel: the whole lifecycle from lead to development (distinct clients; value = the deals' offer_amount)"
sdm report funnel client-lifecycle --now "$END"
echo "-- the deal discussion alone, credited to who did each stage's work:"
sdm report funnel deal-discussion --by manager --now "$END" | head -20
sdm report funnel client-lifecycle --out build/funnel.svg >/dev/null && echo "wrote build/funnel.svg"

step "8a. The client base by the fields the steps filled"
sdm report clients --by category
sdm report clients --by segment
echo "-- clients of category A:"; sdm clients --where category=A | head -5

step "9. KPIs per tier (user \"(all)\") and manager: on time, handoff conversion (handed on, became won deals), deals won and revenue, against the month's plans"
sdm report kpi --now "$END"

step "9a. A plan set by command: Marina's tasks for November"
sdm plan set 700 --user marina --month 2026-11 --metric tasks | grep -E "^kind|marina"

step "10. The store is consistent"
sdm check

step "11. The same department in Russian: models/ru, scripts/demo-org-ru.txt (everyone reads Russian: lang=ru)"
export SDM_DB=build/demo-ru.db SDM_BASE_URL=https://crm.example   # messages link to the task pages
rm -f build/demo-ru.db build/demo-ru.db-wal build/demo-ru.db-shm
for f in models/ru/*.bpmn; do sdm deploy "$f" >/dev/null; done
sdm processes | head -8
sdm org load scripts/demo-org-ru.txt >/dev/null && sdm users | head -5
sdm card field add category --type text --label "Категория (key, A, B, C)" >/dev/null
sdm card field add budget --type number --label "Бюджет" >/dev/null
sdm simulate scripts/demo-profile-ru.json --now "$START"
echo "-- воронка жизненного цикла клиента:"
sdm report funnel client-lifecycle --now "$END"
echo "-- план и факт:"
sdm report plan --month 2026-11
sdm tick --now "$END" >/dev/null
echo "-- сообщения Ольги (руководитель):"
sdm inbox --user ольга --json | sed -n 's/.*"body": "\(.*\)",\{0,1\}$/\1/p' | head -1 | sed 's/\\n/\n/g'
echo "-- Марине (клоузер) сообщают о новых задачах (role клоузер notify=inbox):"
sdm inbox --user марина --json | sed -n 's/.*"body": "\(.*\)",\{0,1\}$/\1/p' | head -1 | sed 's/\\n/\n/g'
sdm check

#!/usr/bin/env bash
# The documents as a person sees them, in headless Chromium (Debian's
# chromium driven by playwright-core from npm, installed into
# build/node_modules): the role instruction, a user's instruction, the
# regulation and the role matrix, in English and Russian. Each page must
# list exactly the steps the BPMN files give the role (computed here from
# the lanes, independently of the engine), show its diagram with those
# steps highlighted, and say which model versions it reflects. Screenshots
# go to build/screens/ (look at them). The PDFs `sdm` prints must have the
# expected pages. Ends with "N passed, N failed".
. "$(dirname "$0")/lib.sh"
SDM=${SDM:-build/test/sdm}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
tmp=$(mktemp -d /tmp/sdm_regdoc_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export SDM_DB=$tmp/t.db SDM_NOW=2026-03-02T09:00:00Z

for f in models/*.bpmn; do expect 0 "" -- deploy "$f"; done
expect 0 "olga" -- org load scripts/demo-org.txt

# The command line: tables, pages, and clear errors.
expect 0 "Task_LegalApproval" -- roles matrix deal-discussion
expect 0 "process,version,step,name,closer" -- --csv roles matrix deal-discussion
expect 0 "wrote $tmp/matrix-en.html" -- roles matrix -o "$tmp/matrix-en.html"
expect 0 "wrote" -- roles matrix --lang ru -o "$tmp/matrix-ru.html"
expect 0 "wrote" -- roles matrix deal-discussion -o "$tmp/matrix-one.html"
expect 0 "wrote" -- instruction --role closer -o "$tmp/closer-en.html"
expect 0 "wrote" -- instruction --role closer --lang ru -o "$tmp/closer-ru.html"
expect 0 "wrote" -- instruction --user vera --lang ru -o "$tmp/vera-ru.html"
expect 0 "wrote" -- regulation deal-discussion -o "$tmp/reg-en.html"
expect 0 "wrote" -- regulation deal-discussion --lang ru -o "$tmp/reg-ru.html"
expect 0 "<!DOCTYPE html>" -- instruction --role legal
expect 64 "--user U or --role R" -- instruction
expect 64 "FILE.html or FILE.pdf" -- instruction --role closer -o "$tmp/x.txt"
expect 4 "no deployed process 'nope'" -- regulation nope
expect 4 "no user 'nobody'" -- instruction --user nobody
expect 78 "en or ru" -- instruction --role closer --lang de
SDM_CHROMIUM=/nonexistent expect 1 "PDF needs chromium" -- instruction --role closer -o "$tmp/none.pdf"
[ ! -e "$tmp/none.pdf" ] && ok || bad "a PDF appeared without chromium"

if [ ! -x "$CHROMIUM" ]; then bad "no $CHROMIUM (apt-get install chromium)"; finish; fi
# The PDFs print in the background while the browser looks at the pages.
"$SDM" instruction --role closer --lang ru -o "$tmp/closer-ru.pdf" >"$tmp/pdf1.log" 2>&1 &
pdf1=$!

if [ ! -d build/node_modules/playwright-core ]; then
  npm install --prefix build --silent --no-audit --no-fund playwright-core >/dev/null 2>&1 \
    || { bad "npm could not install playwright-core"; wait; finish; }
fi
mkdir -p build/screens
cat >"$tmp/check.js" <<'EOF'
// Opens each page, compares the steps it lists with the lanes of the BPMN
// files, takes a screenshot, prints one line per check: "ok ..." or "FAIL ...".
const fs = require('fs');
const path = require('path');
const { chromium } = require(path.resolve('build/node_modules/playwright-core'));
const [tmp, exe] = process.argv.slice(2);

// role -> ["process/step", ...] from <lane sdm:role> and its flowNodeRefs of human tasks
function lanes() {
  const out = {};
  for (const f of fs.readdirSync('models').filter(f => f.endsWith('.bpmn'))) {
    const xml = fs.readFileSync(path.join('models', f), 'utf8');
    const proc = /<bpmn:process id="([^"]+)"/.exec(xml)[1];
    const kinds = {};
    for (const m of xml.matchAll(/<bpmn:(userTask|manualTask|task|scriptTask|serviceTask|callActivity)\s+id="([^"]+)"/g))
      kinds[m[2]] = m[1];
    for (const m of xml.matchAll(/<bpmn:lane [^>]*sdm:role="([^"]+)"[^>]*>([\s\S]*?)<\/bpmn:lane>/g))
      for (const r of m[2].matchAll(/<bpmn:flowNodeRef>([^<]+)<\/bpmn:flowNodeRef>/g))
        if (['userTask', 'manualTask', 'task'].includes(kinds[r[1]])) (out[m[1]] = out[m[1]] || []).push(`${proc}/${r[1]}`);
  }
  return out;
}
const same = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
const say = (ok, what, detail) => console.log(`${ok ? 'ok' : 'FAIL'} ${what}${ok ? '' : ': ' + detail}`);

(async () => {
  const want = lanes();
  const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

  const open = async (name) => { await page.goto(`file://${tmp}/${name}.html`); await page.waitForLoadState('load'); };
  const steps = (sel) => page.$$eval(sel, els => els.map(e => `${e.closest('[data-process]').dataset.process}/${e.dataset.step}`));

  for (const [name, lang] of [['closer-en', 'en'], ['closer-ru', 'ru']]) {
    await open(name);
    const got = await steps('section.step[data-step]');
    say(same(got, want['closer']), `${name}: the closer's steps, exactly`, `${got} vs ${want['closer']}`);
    const h1 = await page.textContent('h1');
    say(h1.includes(lang === 'ru' ? 'Индивидуальная инструкция' : 'Individual instruction'), `${name}: title`, h1);
    const lit = await page.$$eval('svg.bpmn g.hl', els => els.map(e => e.closest('[data-process]').dataset.process + '/' + e.dataset.id));
    say(same(lit, want['closer']), `${name}: the diagram highlights exactly those steps`, `${lit}`);
    for (const s of await page.$$('section.step h3')) {
      if (!(await s.isVisible())) { say(false, `${name}: step heading visible`, await s.textContent()); }
    }
    const reflects = await page.textContent('[data-reflects]');
    say(/deal-discussion|Deal discussion/.test(reflects) && reflects.includes(lang === 'ru' ? 'версия 1' : 'version 1'),
        `${name}: names the model versions`, reflects);
    await page.screenshot({ path: `build/screens/instruction-${name}.png`, fullPage: true });
  }

  await open('vera-ru');
  const vera = await steps('section.step[data-step]');
  const veraWant = [...(want['finance'] || []), ...(want['accounting'] || [])];
  say(vera.length > 0 && same(vera, veraWant), 'vera-ru: a user with two roles gets both roles\' steps', `${vera} vs ${veraWant}`);
  say((await page.textContent('body')).includes('план не задан'), 'vera-ru: KPIs say no plan is set', '');
  await page.screenshot({ path: 'build/screens/instruction-vera-ru.png', fullPage: true });

  for (const [name, title] of [['reg-en', 'Process regulation'], ['reg-ru', 'Регламент процесса']]) {
    await open(name);
    const rows = await page.$$eval('tr.step[data-step]', els => els.map(e => e.dataset.step));
    const xml = fs.readFileSync('models/deal-discussion.bpmn', 'utf8');
    const acts = [...xml.matchAll(/<bpmn:(userTask|manualTask|task|scriptTask|serviceTask|callActivity)\s+id="([^"]+)"/g)].map(m => m[2]);
    say(same(rows, acts), `${name}: every activity in the steps table`, `${rows} vs ${acts}`);
    say((await page.textContent('h1')).includes(title), `${name}: title`, await page.textContent('h1'));
    say(await page.isVisible('svg.bpmn'), `${name}: the diagram is shown`, '');
    await page.screenshot({ path: `build/screens/regulation-${name}.png`, fullPage: true });
  }

  for (const [name, head] of [['matrix-en', 'Process'], ['matrix-ru', 'Процесс']]) {
    await open(name);
    const r = await page.$$eval('td[data-role="closer"]', els => els.filter(e => e.textContent.includes('R'))
      .map(e => `${e.parentElement.dataset.process}/${e.parentElement.dataset.step}`));
    say(same(r, want['closer']), `${name}: R for closer on exactly the closer's steps`, `${r}`);
    say((await page.textContent('thead')).includes(head), `${name}: header in its language`, '');
    await page.screenshot({ path: `build/screens/${name}.png`, fullPage: true });
  }

  // the pages the browser itself prints, to compare with sdm's PDF
  await page.emulateMedia({ media: 'print' });
  await open('matrix-one');
  await page.pdf({ path: `${tmp}/matrix.pdf`, preferCSSPageSize: true });
  await open('closer-ru');
  await page.pdf({ path: `${tmp}/closer-ru.browser.pdf`, preferCSSPageSize: true });
  const sections = await page.$$eval('section.process', els => els.length);
  console.log(`sections ${sections}`);
  await browser.close();
})().catch(e => { console.log(`FAIL browser: ${e.message.split('\n')[0]}`); process.exit(1); });
EOF
out=$(timeout 120 node "$tmp/check.js" "$tmp" "$CHROMIUM" 2>&1)
while IFS= read -r line; do
  case $line in
    ok\ *) ok ;;
    FAIL*) bad "${line#FAIL }" ;;
  esac
done <<<"$out"
sections=$(sed -n 's/^sections //p' <<<"$out")

pages() { pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ {print $2}'; }
wait $pdf1 && ok || bad "instruction PDF: $(cat "$tmp/pdf1.log")"
n=$(pages "$tmp/closer-ru.pdf"); m=$(pages "$tmp/closer-ru.browser.pdf")
# every process section starts a page; sdm's PDF paginates as the browser prints
if [ -n "$n" ] && [ -n "$sections" ] && [ "$n" -ge "$sections" ] && [ "$sections" -ge 1 ]; then ok; else bad "instruction PDF has ${n:-no} pages for ${sections:-no} process sections"; fi
[ -n "$n" ] && [ "$n" = "$m" ] && ok || bad "instruction PDF: sdm printed ${n:-no} pages, the browser ${m:-no}"
[ "$(pages "$tmp/matrix.pdf")" = 1 ] && ok || bad "the matrix of one process prints on one page, not $(pages "$tmp/matrix.pdf")"
head -c 5 "$tmp/closer-ru.pdf" | grep -q '%PDF-' && ok || bad "not a PDF"
cp "$tmp/closer-ru.pdf" build/screens/instruction-closer-ru.pdf 2>/dev/null
finish

// web.mjs — the browser half of tests/web.sh: drives the pages as people
// use them (click, type, wait for what appears) and saves a screenshot of
// every page under $SCREENS. Prints "N passed, N failed".
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const require = createRequire(process.cwd() + '/build/');
const { chromium } = require('playwright-core');
const { URL, SDM, CHROMIUM, TMP, SCREENS } = process.env;

let pass = 0, fail = 0;
const check = (cond, what) => { if (cond) pass++; else { fail++; console.log('FAIL: ' + what); } };
const sdm = (...args) => execFileSync(SDM, args, { encoding: 'utf8', env: process.env });
// a screenshot, and a look for what a page must never show: null, undefined, [object ...]
async function shot(page, name) {
  const body = await page.innerText('body');
  check(!/\bnull\b|\bundefined\b|\bNaN\b|\[object /.test(body), `${name}: no null/undefined/NaN on the page: ` +
    (body.match(/.{0,40}(\bnull\b|\bundefined\b|\bNaN\b|\[object ).{0,20}/) || [''])[0]);
  await page.screenshot({ path: `${SCREENS}/${name}.png`, fullPage: true });
}
const text = (page, sel) => page.locator(sel).first().innerText({ timeout: 5000 }).catch(() => '');

async function signIn(browser, user, locale) {
  const ctx = await browser.newContext({ locale, viewport: { width: 1100, height: 800 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => { fail++; console.log(`FAIL: ${user}: script error ${e.message}`); });
  await page.goto(URL + '/');
  await page.fill('#user', user);
  await page.fill('#password', user + '-secret-1');
  await page.press('#password', 'Enter');
  await page.waitForSelector('#signout');
  return page;
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  // 1. the manager's calendar and task, in Russian
  const anon = await browser.newPage({ locale: 'ru-RU' });
  await anon.goto(URL + '/');
  await anon.waitForSelector('#user');
  check((await text(anon, 'h1')) === 'Вход', 'the sign-in page is in Russian');
  await anon.fill('#user', 'marina');
  await anon.fill('#password', 'wrong');
  await anon.press('#password', 'Enter');
  await anon.waitForSelector('#login-error:not(:empty)');
  check((await text(anon, '#login-error')).includes('Неверный'), 'a wrong password is told in words');
  await shot(anon, 'login-ru');
  await anon.close();

  const m = await signIn(browser, 'marina', 'ru-RU');
  await m.waitForSelector('h1:has-text("Календарь")');
  check(await m.locator('[data-count=today]').innerText() === '1', 'the calendar counts one task today');
  check((await text(m, 'ul.tasks li.today')).includes('ООО Акме'), 'the task names the client');
  await shot(m, 'calendar-ru');

  await m.click('ul.tasks li.today a');
  await m.waitForSelector('.script');
  check((await text(m, '.script')).includes('Позвоните клиенту'), 'the contact script comes first');
  check(/1\s200\s000\s₽/.test(await text(m, 'dl')), 'money in the Russian locale: ' + await text(m, 'dl'));
  check(/\d\d\.\d\d\.\d{4}/.test(await text(m, '.meta')), 'dates as DD.MM.YYYY');
  // the form refuses an empty required field in the browser
  await m.click('.taskform button[type=submit]');
  check((await text(m, '#f-interested-err')).includes('Заполните'), 'a required field left empty is refused on the field');
  check(await m.getAttribute('#f-interested', 'aria-invalid') === 'true', 'the field is marked invalid');
  await shot(m, 'task-ru');
  await m.selectOption('#f-interested', 'true');
  await m.click('.taskform button[type=submit]');
  await m.waitForSelector('h1:has-text("Коммерческое предложение")');
  check(true, 'completing the task shows the next one');
  check((await text(m, 'ol.history')).includes('Задача «Презентация» выполнена — Марина Петрова'),
    'the history in words: ' + (await text(m, 'ol.history')).split('\n')[0]);

  // 2. invalid input: the browser says so on the field; the engine refuses it too (422 with field)
  await m.fill('#f-amount', '1 200 000');
  await m.click('.taskform button[type=submit]');
  check((await text(m, '#f-amount-err')).includes('целое число'), 'digits with spaces are refused on the field');
  check(await m.evaluate(() => document.activeElement.id) === 'f-amount', 'focus moves to the bad field');
  await shot(m, 'task-form-error-ru');
  const taskId = m.url().split('/').pop();
  const r422 = await m.evaluate(async (id) => {
    const me = await (await fetch('/api/me')).json();
    const r = await fetch(`/api/tasks/${id}/complete`, { method: 'POST', headers: { 'X-CSRF-Token': me.csrf,
      'Content-Type': 'application/json' }, body: JSON.stringify({ vars: { amount: '1 200 000' } }) });
    return { status: r.status, body: await r.json() };
  }, taskId);
  check(r422.status === 422 && r422.body.error.field === 'amount', 'the engine refuses it: ' + JSON.stringify(r422));
  check(!sdm('incidents').includes('deal'), 'no incident is left behind');

  // 3. the head watches; a deviation arrives without a reload
  const o = await signIn(browser, 'olga', 'ru-RU');
  await o.waitForSelector('h1:has-text("Команда")');
  check((await text(o, 'table')).includes('Марина Петрова'), 'the team monitor lists the manager');
  await o.evaluate(() => { window.notReloaded = true; });
  await m.fill('#f-amount', '1200000');
  await m.selectOption('#f-product', 'crm');
  await m.fill('#f-discount', '20');
  await m.click('.taskform button[type=submit]');
  await m.waitForSelector('h1:has-text("Подписать договор")');
  await o.waitForSelector('#deviations li', { timeout: 8000 }).catch(() => {});
  check((await text(o, '#deviations')).includes('Скидка 20'), 'the deviation appears on the open page');
  check(await o.evaluate(() => window.notReloaded === true), 'without reloading');
  check((await text(o, '#notice')).includes('Новое отклонение'), 'with a live notice');
  await shot(o, 'team-ru');
  await o.fill('#deviations input[name=note]', 'Согласовано с директором');
  await o.click('#deviations button:has-text("Принять")');
  await o.waitForSelector('#deviations li', { state: 'detached' });
  check(sdm('deviations', '--state', 'acknowledged').includes('Скидка 20'), 'the deviation is acknowledged');
  await o.goto(URL + '/#/reports');
  await o.waitForSelector('#proc option[value=deal]', { state: 'attached' });
  await o.selectOption('#proc', 'deal');
  await o.waitForSelector('#funnel svg rect');
  check((await o.locator('#funnel svg').innerHTML()).includes('marina'), 'the funnel shows the breakdown by manager');
  await shot(o, 'reports-ru');

  // 4. inbox: the head was notified (delivered by sdm tick)
  sdm('tick');
  await o.goto(URL + '/#/inbox');
  await o.waitForSelector('ul.inbox li.unread');
  await shot(o, 'inbox-ru');
  await o.click('ul.inbox li.unread button');
  await o.waitForSelector('ul.inbox li.read');
  check(true, 'a message is marked read');

  // 5. a live notice for a new task; the manager cannot open another's task by URL
  sdm('client', 'add', 'delta', '--user', 'marina', '--vars', '{"name":"Дельта"}');
  sdm('start', 'deal', '--client', 'delta');
  await m.waitForSelector('.note:has-text("Новая задача")', { timeout: 8000 }).catch(() => {});
  check((await text(m, '#notice')).includes('Новая задача'), 'a new task is announced live');
  // the role's queue: a task given back is claimed from the calendar
  const delta = JSON.parse(sdm('--json', 'tasks')).find((x) => x.client === 'delta');
  sdm('task', 'unclaim', String(delta.id), '--user', 'marina');
  await m.goto(URL + '/#/calendar');
  await m.waitForSelector('#h-queue');
  check((await text(m, '#h-queue')).includes('1'), 'the queue counts the unassigned task');
  await shot(m, 'calendar-queue-ru');
  await m.click('section:has(#h-queue) button');
  await m.waitForSelector('.note:has-text("теперь ваша")');
  check(JSON.parse(sdm('--json', 'tasks')).find((x) => x.id === delta.id).assignee === 'marina', 'claimed from the queue');
  const other = JSON.parse(sdm('--json', 'tasks')).find((x) => x.client === 'gamma');
  await m.goto(URL + '/#/task/' + other.id);
  await m.waitForSelector('h1');
  check(!(await text(m, 'main')).includes('Гамма') && (await text(m, 'h1')).includes('не найдена'),
    "another manager's task is not shown: " + (await text(m, 'main')));
  await shot(m, 'task-other-ru');
  await m.goto(URL + '/#/clients');
  await m.waitForSelector('table');
  check((await text(m, 'table')).includes('ООО Акме') && !(await text(m, 'table')).includes('Гамма'), 'my clients only');
  await shot(m, 'clients-ru');

  // 6. on a phone
  await m.setViewportSize({ width: 390, height: 800 });
  await m.goto(URL + '/#/calendar');
  await m.waitForSelector('ul.tasks');
  await m.click('ul.tasks li a');
  await m.waitForSelector('.script');
  check(await m.evaluate(() => document.documentElement.scrollWidth <= 392), 'no sideways scrolling on a phone');
  await shot(m, 'task-phone-ru');

  // 7. English: the owner uploads, sees lint with lines, the diagram with counts
  const w = await signIn(browser, 'own', 'en-GB');
  await w.waitForSelector('h1:has-text("Processes")');
  const bad = TMP + '/bad.bpmn';
  writeFileSync(bad, '<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
    'id="d" targetNamespace="x">\n<bpmn:process id="broken" isExecutable="true">\n<bpmn:startEvent id="s"/>\n' +
    '<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="nowhere"/>\n</bpmn:process>\n</bpmn:definitions>\n');
  await w.setInputFiles('#bpmn', bad);
  await w.click('form button[type=submit]');
  await w.waitForSelector('#deploy-result table');
  const lint = await text(w, '#deploy-result');
  check(lint.includes('refused') && lint.includes('nowhere') && /\b5\b/.test(lint), 'the lint names element and line: ' + lint);
  await shot(w, 'processes-en');
  await w.goto(URL + '/#/process/deal');
  await w.waitForSelector('.counts', { timeout: 15000 }).catch(() => {});
  check(await w.locator('.counts[data-node=present]').count() === 1, 'the diagram shows live counts on a step');
  await shot(w, 'diagram-en');
  await w.goto(URL + '/#/incidents');
  await w.waitForSelector('h1:has-text("Incidents")');
  check((await text(w, 'main')).includes('CRM не отвечает'), 'the incident is listed with its error');
  await shot(w, 'incidents-en');
  const inst = JSON.parse(sdm('--json', 'incidents'))[0].instance;
  sdm('vars', String(inst), '--var', 'crm_ok=true');
  await w.click('main button:has-text("Retry")');
  await w.waitForSelector('p.empty:has-text("No incidents")');
  check(!sdm('incidents').includes('crm'), 'a retry resolves it');

  // 8. the switch: the manager's calendar in English, money and dates in the English locale
  await m.setViewportSize({ width: 1100, height: 800 });
  await m.goto(URL + '/#/calendar');
  await m.click('#lang');
  await m.waitForSelector('h1:has-text("Calendar")');
  check((await text(m, 'nav')).includes('My clients'), 'the English page renders');
  await shot(m, 'calendar-en');
  await m.click('ul.tasks li a');
  await m.waitForSelector('.script');
  check((await text(m, 'h2')).includes('Contact script'), 'the task page in English');
  check(/\d\d\/\d\d\/\d{4}/.test(await text(m, '.meta')), 'dates in the English locale');
  await shot(m, 'task-en');
} catch (e) {
  fail++;
  console.log('FAIL: ' + e.message.split('\n').slice(0, 3).join(' / '));
} finally {
  await browser.close();
}
console.log(`${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);

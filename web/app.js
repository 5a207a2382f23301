/*
 * app.js — the web pages of `sdm serve`: a single-page app in plain
 * JavaScript over the JSON API (docs/API.md). Every text comes from the
 * message catalogues ru.json / en.json; dates, numbers and money are
 * formatted in the user's locale. Access is the engine's: a page shows what
 * the API answers and nothing else. Routes live in the URL hash.
 */
'use strict';

const S = { me: null, csrf: '', lang: 'ru', msg: {}, events: null, route: '' };

/* ---------- language and formatting ---------- */

function pickLang() {
  const saved = localStorage.getItem('sdm.lang');
  if (saved === 'ru' || saved === 'en') return saved;
  return (navigator.language || 'ru').toLowerCase().startsWith('en') ? 'en' : 'ru';
}

async function loadLang(lang) {
  const r = await fetch('/' + lang + '.json');
  S.msg = await r.json();
  S.lang = lang;
  document.documentElement.lang = lang;
}

function t(key, params) {
  let s = S.msg[key] || key;
  for (const k in params || {}) s = s.split('{' + k + '}').join(params[k] == null ? '' : String(params[k]));
  return s;
}

const locale = () => (S.lang === 'ru' ? 'ru-RU' : 'en-GB');
function fmtDate(iso, withTime = true) {
  if (!iso) return '';
  const o = { day: '2-digit', month: '2-digit', year: 'numeric' };
  if (withTime) Object.assign(o, { hour: '2-digit', minute: '2-digit' });
  return new Intl.DateTimeFormat(locale(), o).format(new Date(iso));
}
const fmtNum = (n) => (n == null ? '' : new Intl.NumberFormat(locale(), { maximumFractionDigits: 2 }).format(n));
const fmtMoney = (n) => (n == null ? '' : new Intl.NumberFormat(locale(),
  { style: 'currency', currency: 'RUB', maximumFractionDigits: 0 }).format(n));

/* ---------- DOM helpers ---------- */

/* h('tag.class', {attr}, children...): children are nodes or text. */
function h(spec, attrs, ...kids) {
  const [tag, ...cls] = spec.split('.');
  const e = document.createElement(tag);
  if (cls.length) e.className = cls.join(' ');
  for (const k in attrs || {}) {
    const v = attrs[k];
    if (v == null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids.flat(Infinity)) if (c != null) e.append(c.nodeType ? c : document.createTextNode(String(c)));
  return e;
}
const main = () => document.getElementById('main');
function show(...nodes) {
  const m = main();
  m.replaceChildren(...nodes);
  const h1 = m.querySelector('h1');
  if (h1) document.title = h1.textContent + ' — ' + t('app');
}
function notice(text, kind = 'info') {
  const n = document.getElementById('notice');
  const item = h('div.note.' + kind, { role: kind === 'error' ? 'alert' : 'status' }, text,
    h('button.link.close', { type: 'button', 'aria-label': '×', onclick: () => item.remove() }, '×'));
  n.append(item);
  while (n.children.length > 2) n.firstChild.remove();   /* the newest two: never a wall over the page */
  setTimeout(() => item.remove(), 6000);
}
function table(cols, rows, cells) {
  if (!rows.length) return h('p.empty', {}, t('rep.empty'));
  return h('div.scroll', {}, h('table', {},
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, cells(r).map((c) => h('td', {}, c)))))));
}

/* ---------- the API ---------- */

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || String(status));
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body, raw) {
  const o = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') o.headers['X-CSRF-Token'] = S.csrf;
  if (body !== undefined) {
    o.body = raw ? body : JSON.stringify(body);
    o.headers['Content-Type'] = raw ? 'application/xml' : 'application/json';
  }
  let r;
  try { r = await fetch(path, o); } catch (e) { throw new ApiError(0, { error: { message: t('err.offline') } }); }
  const type = r.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await r.json() : await r.text();
  if (r.status === 401 && path !== '/api/session') { S.me = null; go('#/login'); }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

function failed(e) {
  if (e.status === 403) return show(h('h1', {}, t('err.denied')));
  if (e.status === 404) return show(h('h1', {}, t('task.notfound')));
  if (e.status !== 401) notice(t('err.generic', { text: e.message }), 'error');
}

/* ---------- who the user is ---------- */

const roles = () => ((S.me && S.me.roles) || '').split(',').filter(Boolean);
const isOwner = () => roles().includes('owner') || roles().includes('admin');
const isHead = () => roles().includes('head') || roles().includes('admin') || !!(S.me && S.me.team);
const isManager = () => roles().some((r) => !['head', 'owner', 'admin'].includes(r));

async function loadMe() {
  try {
    S.me = await api('GET', '/api/me');
    S.csrf = S.me.csrf || '';
    const team = await api('GET', '/api/monitor').catch(() => []);
    S.me.team = team.some((p) => p.head === S.me.user);
    const procs = await api('GET', '/api/processes').catch(() => []);
    S.procNames = Object.fromEntries(procs.map((p) => [p.process, p.name || p.process]));
  } catch (e) { S.me = null; }
}

function nav() {
  const links = [];
  if (S.me) {
    if (isManager()) links.push(['#/calendar', 'nav.calendar'], ['#/clients', 'nav.clients'], ['#/inbox', 'nav.inbox']);
    if (isHead()) links.push(['#/team', 'nav.team'], ['#/reports', 'nav.reports']);
    if (isOwner() || isHead()) links.push(['#/processes', 'nav.processes']);   /* heads watch the live diagram */
    if (isOwner() || isHead()) links.push(['#/incidents', 'nav.incidents']);
    if (!isManager()) links.push(['#/inbox', 'nav.inbox']);
  }
  const here = location.hash.split('/').slice(0, 2).join('/');
  document.getElementById('top').replaceChildren(...[
    h('a.skip', { href: '#main', onclick: (e) => { e.preventDefault(); main().focus(); } }, t('nav.skip')),
    h('span.brand', {}, t('app')),
    h('nav', { 'aria-label': t('app') }, links.map(([href, key]) =>
      h('a', { href, 'aria-current': href === here ? 'page' : null }, t(key)))),
    h('span.who', {}, S.me ? (S.me.full_name || S.me.user) : ''),
    h('button.link', { type: 'button', id: 'lang', onclick: switchLang }, t('lang.switch')),
    S.me ? h('button.link', { type: 'button', id: 'signout', onclick: signOut }, t('nav.signout')) : null,
  ].filter(Boolean));
}

async function switchLang() {
  localStorage.setItem('sdm.lang', S.lang === 'ru' ? 'en' : 'ru');
  await loadLang(localStorage.getItem('sdm.lang'));
  route();
}

async function signOut() {
  await api('DELETE', '/api/session').catch(() => {});
  if (S.events) S.events.close();
  S.events = null;
  S.me = null;
  go('#/login');
}

/* ---------- live notices (server-sent events) ---------- */

function listen() {
  if (S.events || !window.EventSource) return;
  S.events = new EventSource('/api/events');
  S.events.addEventListener('task', (e) => {
    const d = JSON.parse(e.data);
    notice(t('notice.task', { step: d.name || d.node, client: d.client }));
    if (S.route === 'calendar') pages.calendar();
  });
  S.events.addEventListener('message', (e) => {
    const d = JSON.parse(e.data);
    notice(t('notice.message', { subject: d.subject || '' }));
    if (S.route === 'inbox') pages.inbox();
  });
  S.events.addEventListener('deviation', (e) => {
    const d = JSON.parse(e.data);
    notice(t('notice.deviation', { text: d.message || d.checkpoint || '' }), 'warn');
    if (S.route === 'team') pages.team();
  });
}

/* ---------- pages ---------- */

const go = (hash) => { if (location.hash === hash) route(); else location.hash = hash; };

const pages = {
  async login() {
    const err = h('p.error', { id: 'login-error', role: 'alert' });
    const form = h('form.card.narrow', { onsubmit: async (e) => {
      e.preventDefault();
      const f = new FormData(form);
      try {
        const r = await api('POST', '/api/session', { user: f.get('user'), password: f.get('password') });
        S.csrf = r.csrf;
        await loadMe();
        listen();
        go('#/');
      } catch (x) {
        err.textContent = x.status === 429 ? t('login.limit') : t('login.wrong');
      }
    } },
    h('label', { for: 'user' }, t('login.user')),
    h('input', { id: 'user', name: 'user', autocomplete: 'username', required: true, autofocus: true }),
    h('label', { for: 'password' }, t('login.password')),
    h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    err,
    h('button', { type: 'submit' }, t('login.submit')));
    show(h('h1', {}, t('login.title')), form);
    form.querySelector('input').focus();
  },

  async home() {
    go(isManager() ? '#/calendar' : isHead() ? '#/team' : isOwner() ? '#/processes' : '#/inbox');
  },

  async calendar() {
    const [tasks, queue] = await Promise.all([api('GET', '/api/tasks?when=all'), api('GET', '/api/queue')]);
    const groups = { overdue: [], today: [], upcoming: [] };
    for (const x of tasks) (groups[x.status] || groups.upcoming).push(x);
    const section = (key) => h('section', { 'aria-labelledby': 'h-' + key },
      h('h2', { id: 'h-' + key }, t('cal.' + key), ' ', h('span.count', { 'data-count': key }, groups[key].length)),
      groups[key].length ? h('ul.tasks', {}, groups[key].map((x) => h('li.' + key, {},
        h('a', { href: '#/task/' + x.task }, x.step),
        h('span.client', {}, x.client_name || x.client),
        h('time', { datetime: x.due_at }, x.due_at ? fmtDate(x.due_at) : '')))) : h('p.empty', {}, t('cal.empty')));
    const q = h('section', { 'aria-labelledby': 'h-queue' }, h('h2', { id: 'h-queue' }, t('queue.title'), ' ',
      h('span.count', {}, queue.length)),
      queue.length ? h('ul.tasks', {}, queue.map((x) => h('li', {},
        h('span', {}, x.name || x.node), h('span.client', {}, x.client),
        h('time', {}, x.due_at ? fmtDate(x.due_at) : ''),
        h('button', { type: 'button', onclick: async () => {
          try {
            await api('POST', '/api/tasks/' + x.id + '/claim', {});
            notice(t('queue.claimed', { step: x.name || x.node }));
            pages.calendar();
          } catch (e) { failed(e); }
        } }, t('queue.claim'))))) : h('p.empty', {}, t('queue.empty')));
    show(h('h1', {}, t('cal.title')), h('div.grid', {}, section('overdue'), section('today'), section('upcoming'), q));
  },

  async task(id) {
    const x = await api('GET', '/api/tasks/' + id);
    const open = x.state === 'open';
    const script = h('section.script', { 'aria-labelledby': 'h-script' }, h('h2', { id: 'h-script' }, t('task.script')),
      x.script ? h('p', {}, x.script) : h('p.empty', {}, t('task.noscript')));
    const form = open ? taskForm(x) : h('p.empty', {}, t('task.closed'));
    const card = h('section.card', { 'aria-labelledby': 'h-card' }, h('h2', { id: 'h-card' }, t('task.card')),
      h('dl', {}, [['card.client', x.client], ['card.name', x.client_name], ['card.segment', x.segment],
        ['card.region', x.region], ['card.product', x.product], ['card.value', fmtMoney(x.value)],
        ['card.owner', x.owner]].filter(([, v]) => v != null && v !== '').map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)])));
    const hist = h('section', { 'aria-labelledby': 'h-hist' }, h('h2', { id: 'h-hist' }, t('task.history')),
      historyList(x.client_history || []));
    show(h('h1', {}, x.step, ' ', h('span.sub', {}, x.client_name || x.client)),
      h('p.meta', {}, t('task.due'), ': ', h('time', { datetime: x.due_at }, fmtDate(x.due_at))),
      h('div.taskgrid', {}, h('div', {}, script, form),
        h('div', {}, card, hist)));
  },

  async clients() {
    const rows = await api('GET', '/api/clients');
    show(h('h1', {}, t('clients.title')), rows.length ? table(
      [t('card.client'), t('card.name'), t('card.region'), t('card.product'), t('card.value')], rows,
      (r) => [h('a', { href: '#/client/' + encodeURIComponent(r.client) }, r.client), r.name || '', r.region || '',
        r.product || '', fmtMoney(r.value)]) : h('p.empty', {}, t('clients.empty')));
  },

  async client(key) {
    const x = await api('GET', '/api/clients/' + encodeURIComponent(key));
    const c = x.card[0] || {};
    show(h('h1', {}, c.name || c.client),
      h('dl.card', {}, [['card.client', c.client], ['card.region', c.region], ['card.product', c.product],
        ['card.value', fmtMoney(c.value)], ['card.owner', c.owner_name || c.owner]]
        .filter(([, v]) => v).map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)])),
      h('h2', {}, t('clients.history')), historyList(x.history));
  },

  async inbox() {
    const rows = await api('GET', '/api/inbox');
    show(h('h1', {}, t('inbox.title')), rows.length ? h('ul.inbox', {}, rows.map((m) => {
      const read = !!m.read_at;
      return h('li.' + (read ? 'read' : 'unread'), {},
        h('strong', {}, m.subject || ''), read ? null : h('span.badge', {}, t('inbox.unread')),
        h('p', {}, m.body || ''), h('time', {}, fmtDate(m.created_at)), ' ',
        read ? h('span.muted', {}, t('inbox.read')) : h('button', { type: 'button', onclick: async () => {
          try { await api('POST', '/api/inbox/' + m.id + '/read', {}); pages.inbox(); } catch (e) { failed(e); }
        } }, t('inbox.markread')));
    })) : h('p.empty', {}, t('inbox.empty')));
  },

  async team() {
    const [people, devs] = await Promise.all([api('GET', '/api/monitor'), api('GET', '/api/deviations?state=open')]);
    const mon = table([t('team.person'), t('team.open'), t('team.today'), t('team.overdue'), t('team.done')], people,
      (p) => [p.user === '(queue)' ? t('team.queue') + ' ' + (p.roles || '') : (p.full_name || p.user), p.open,
        p.due_today, h('span', { class: p.overdue ? 'bad' : '' }, p.overdue), p.done_today]);
    const list = devs.length ? h('ul.devs', { id: 'deviations' }, devs.map(devItem)) : h('p.empty', { id: 'deviations' }, t('dev.empty'));
    show(h('h1', {}, t('team.title')), mon, h('h2', {}, t('dev.title'), ' ', h('span.count', {}, devs.length)), list);
  },

  async reports() {
    const procs = await api('GET', '/api/processes');
    const names = [...new Set(procs.map((p) => p.process))];
    const sel = h('select', { id: 'proc', onchange: draw }, names.map((n) => h('option', { value: n }, n)));
    const by = h('select', { id: 'by', onchange: draw }, ['manager', 'product', 'region', 'segment']
      .map((b) => h('option', { value: b }, t('rep.by.' + b))));
    const pic = h('div.funnel', { id: 'funnel' });
    const kpi = h('div'), hand = h('div');
    async function draw() {
      try {
        const rows = await api('GET', '/api/reports/funnel?process=' + encodeURIComponent(sel.value) + '&by=' + by.value);
        pic.replaceChildren(funnelSvg(rows));
      } catch (e) { failed(e); }
    }
    show(h('h1', {}, t('rep.title')), h('h2', {}, t('rep.funnel')),
      h('div.row', {}, h('label', { for: 'proc' }, t('rep.process')), sel, h('label', { for: 'by' }, t('rep.by')), by), pic,
      h('h2', {}, t('rep.kpi')), kpi, h('h2', {}, t('rep.handoffs')), hand);
    if (names.length) draw();
    const [k, ho] = await Promise.all([api('GET', '/api/reports/kpi'), api('GET', '/api/reports/handoffs')]);
    kpi.replaceChildren(table([t('rep.user'), t('rep.role'), t('rep.done'), t('rep.ontime'), t('rep.late'), t('team.open'),
      t('team.overdue'), t('rep.cycle')], k, (r) => [r.user, r.role || '', r.done, fmtNum(r.on_time_pct), r.late, r.open,
      r.overdue, fmtNum(r.median_cycle_hours)]));
    hand.replaceChildren(table(Object.keys(ho[0] || {}), ho, (r) => Object.values(r).map((v) =>
      typeof v === 'number' ? fmtNum(v) : v == null ? '' : String(v))));
  },

  async incidents() {
    const rows = await api('GET', '/api/incidents');
    show(h('h1', {}, t('inc.title')), rows.length ? table([t('card.client'), t('proc.name'), t('inc.step'), t('inc.message'), ''],
      rows, (r) => [r.client, r.process, r.node, r.message, h('button', { type: 'button', onclick: async () => {
        try { await api('POST', '/api/incidents/' + r.id + '/retry', {}); notice(t('inc.retried')); pages.incidents(); }
        catch (e) { failed(e); }
      } }, t('inc.retry'))]) : h('p.empty', {}, t('inc.empty')));
  },

  async processes() {
    const result = h('div', { id: 'deploy-result', 'aria-live': 'polite' });
    const file = h('input', { id: 'bpmn', type: 'file', accept: '.bpmn,.xml', required: true });
    const form = h('form.card', { onsubmit: async (e) => {
      e.preventDefault();
      const f = file.files[0];
      if (!f) return;
      try {
        const r = await api('POST', '/api/deployments?name=' + encodeURIComponent(f.name), await f.text(), true);
        result.replaceChildren(h('p.ok', {}, t('proc.deployed', { list: r.deployed.filter((d) => d.kind !== 'warning')
          .map((d) => d.process + ' v' + d.version).join(', ') })), problems(r.deployed.filter((d) => d.kind !== 'deployed')));
        pages.processes.reload();
      } catch (x) {
        const p = (x.body && x.body.error && x.body.error.problems) || [];
        result.replaceChildren(h('p.error', { role: 'alert' }, t('proc.problems'), ': ', x.message), problems(p));
      }
    } }, h('label', { for: 'bpmn' }, t('proc.file')), file, h('button', { type: 'submit' }, t('proc.deploy')));
    const list = h('div');
    pages.processes.reload = async () => {
      const all = await api('GET', '/api/processes');
      list.replaceChildren(table([t('proc.name'), t('proc.version'), t('proc.deployedat'), t('proc.active'), ''], all,
        (r) => [r.name ? r.name + ' (' + r.process + ')' : r.process, r.version, fmtDate(r.deployed_at), r.active,
          h('span.row', {}, Array.from({ length: r.version }, (_, i) => r.version - i).map((v) =>
            h('a', { href: '#/process/' + encodeURIComponent(r.process) + '/' + v,
              'aria-label': t('proc.diagram') + ' v' + v }, v === r.version ? t('proc.diagram') : 'v' + v)))]));
    };
    const upload = isOwner() ? [h('h2', {}, t('proc.upload')), form, result] : [];
    show(h('h1', {}, t('proc.title')), ...upload, h('h2', {}, t('proc.versions')), list);
    pages.processes.reload();
  },

  async process(id, version) {
    const box = h('div.diagram', { id: 'diagram', role: 'img', 'aria-label': t('proc.diagram') + ' ' + id });
    show(h('h1', {}, t('proc.diagram'), ': ', id, version ? ' v' + version : ''), h('p.muted', {}, t('proc.legend')), box);
    const [xml, stats] = await Promise.all([
      api('GET', '/api/processes/' + encodeURIComponent(id) + '/diagram' + (version ? '?version=' + version : '')),
      api('GET', '/api/processes/' + encodeURIComponent(id) + '/stats').catch(() => [])]);
    await loadViewer();
    const viewer = new window.BpmnJS({ container: box });
    await viewer.importXML(xml);
    viewer.get('canvas').zoom('fit-viewport');
    const overlays = viewer.get('overlays');
    for (const s of stats) {
      if (!s.active && !s.overdue && !s.incidents) continue;
      try {
        overlays.add(s.node, { position: { top: -14, right: 12 }, html: h('div.counts', {
          title: t('proc.legend'), 'data-node': s.node },
        h('span.wait', { title: t('proc.waiting') }, s.active), h('span.late', { title: t('proc.overdue') }, s.overdue),
        h('span.inc', { title: t('proc.incidents') }, s.incidents)) });
      } catch (e) { /* a node without a shape in the diagram */ }
    }
  },
};

/* ---------- the task's form ---------- */

function fieldInput(f, id) {
  const common = { id, name: f.name, 'aria-describedby': id + '-err', required: f.required || null };
  switch (f.type) {
  case 'boolean':
    return h('select', common, h('option', { value: '' }, t('field.choose')),
      h('option', { value: 'true' }, t('field.yes')), h('option', { value: 'false' }, t('field.no')));
  case 'enum':
    return h('select', common, h('option', { value: '' }, t('field.choose')),
      (f.choices || []).map((c) => h('option', { value: c.id, selected: c.id === f.default }, c.label)));
  case 'text':
    return h('textarea', Object.assign({ rows: 3 }, common), f.default || '');
  case 'long': case 'double': case 'money':
    return h('input', Object.assign({ type: 'text', inputmode: f.type === 'long' ? 'numeric' : 'decimal',
      value: f.default || '' }, common));
  case 'date':
    return h('input', Object.assign({ type: 'date', value: f.default || '' }, common));
  default:
    return h('input', Object.assign({ type: 'text', value: f.default || '' }, common));
  }
}

/* The value of one field, checked as the engine will (form.c): {value} or {error}. */
function fieldValue(f, raw) {
  const v = (raw || '').trim();
  if (!v) return f.required ? { error: t('field.required') } : {};
  if (f.type === 'long' || f.type === 'double' || f.type === 'money') {
    const whole = f.type === 'long';
    const ok = whole ? /^-?\d+$/.test(v) : /^-?\d+(\.\d+)?$/.test(v.replace(',', '.'));
    if (!ok) return { error: t(whole ? 'field.whole' : 'field.number') };
    const n = Number(v.replace(',', '.'));
    if (f.min != null && n < f.min) return { error: t('field.min', { min: fmtNum(f.min) }) };
    if (f.max != null && n > f.max) return { error: t('field.max', { max: fmtNum(f.max) }) };
    return { value: n };
  }
  if (f.type === 'boolean') return { value: v === 'true' };
  if (f.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) return { error: t('field.date') };
  if ((f.type === 'string' || f.type === 'text') && ((f.min != null && v.length < f.min) || (f.max != null && v.length > f.max)))
    return { error: f.max != null && v.length > f.max ? t('field.max', { max: f.max }) : t('field.min', { min: f.min }) };
  return { value: v };
}

function taskForm(x) {
  const fields = x.fields || [];
  const status = h('p.error', { role: 'alert', id: 'form-status' });
  const setError = (name, text) => {
    const el = form.querySelector('[name="' + name + '"]');
    const box = form.querySelector('#f-' + name + '-err');
    if (box) box.textContent = text || '';
    if (el) el.setAttribute('aria-invalid', text ? 'true' : 'false');
    return el;
  };
  const form = h('form.card.taskform', { novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    const vars = {};
    let first = null;
    status.textContent = '';
    for (const f of fields) {
      const r = fieldValue(f, form.elements[f.name].value);
      const el = setError(f.name, r.error);
      if (r.error && !first) first = el;
      if ('value' in r) vars[f.name] = r.value;
    }
    if (first) { status.textContent = t('field.fix'); first.focus(); return; }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await api('POST', '/api/tasks/' + x.task + '/complete', { vars });
      notice(t('task.done', { step: x.step }));
      await nextTask(x);
    } catch (err) {
      button.disabled = false;
      const field = err.body && err.body.error && err.body.error.field;
      if (err.status === 422 && field) {
        const el = setError(field, err.message);
        status.textContent = t('field.fix');
        if (el) el.focus();
      } else if (err.status === 409) status.textContent = t('task.closed');
      else status.textContent = t('err.generic', { text: err.message });
    }
  } }, h('h2', {}, t('task.form')),
  fields.length ? fields.map((f) => {
    const id = 'f-' + f.name;
    return h('div.field', {}, h('label', { for: id }, f.label, f.required ? h('span.req', { 'aria-hidden': 'true' }, ' *') : null),
      fieldInput(f, id), h('span.fielderr', { id: id + '-err', 'aria-live': 'polite' }));
  }) : h('p.empty', {}, t('task.noform')),
  status, h('button', { type: 'submit' }, t('task.complete')));
  return form;
}

/* After a completion: the same client's next task of this user, else the calendar's first. */
async function nextTask(done) {
  const tasks = await api('GET', '/api/tasks?when=all');
  const next = tasks.find((x) => x.instance === done.instance) || tasks[0];
  if (next) go('#/task/' + next.task);
  else { notice(t('task.nonext')); go('#/calendar'); }
}

/* ---------- history in words ---------- */

function historyLine(r) {
  const who = r.actor_name || (r.actor && r.actor !== 'system' ? r.actor : '');
  const d = r.detail || {};
  const step = r.step || r.node || '';
  const key = 'h.' + r.event;
  if (r.event && r.event.startsWith('changed ')) {
    const field = r.event.slice(8);
    if (field === 'created') return null;
    const label = S.msg['card.' + field] || field;
    const value = field === 'value' ? fmtMoney(Number(d.new)) : d.new;
    return t('h.changed', { field: label, value: value == null ? '—' : value });
  }
  if (!(key in S.msg)) return null;
  if (r.event === 'start' && d && d.by) return null;
  const target = r.target_name || d.assignee || d.to || '';
  const whoText = r.event === 'task-created' ? (target ? ' — ' + target : '')
    : r.event === 'task-delegated' || r.event === 'task-reassigned' || r.event === 'handoff'
      ? (target ? ' → ' + target : '') : who ? ' — ' + who : '';
  return t(key, { step, process: (S.procNames || {})[r.source] || r.source, who: whoText, text: d.message || r.reason || '' });
}

function historyList(rows) {
  const items = rows.map((r) => [historyLine(r), r.at]).filter(([s]) => s);
  if (!items.length) return h('p.empty', {}, t('rep.empty'));
  return h('ol.history', {}, items.reverse().map(([s, at]) => h('li', {}, s, ', ', h('time', { datetime: at }, fmtDate(at)))));
}

/* ---------- deviations ---------- */

function devItem(d) {
  const note = h('input', { id: 'note-' + d.id, name: 'note', 'aria-label': t('dev.note') + ' ' + d.id, placeholder: t('dev.note') });
  const act = (what) => async () => {
    try {
      await api('POST', '/api/deviations/' + d.id + '/' + what, { note: note.value || undefined });
      notice(t(what === 'acknowledge' ? 'dev.acked' : 'dev.resolved'));
      pages.team();
    } catch (e) { failed(e); }
  };
  return h('li.dev.' + (d.severity || 'warning'), { 'data-id': d.id },
    h('div', {}, h('strong', {}, d.message || d.checkpoint || ''), ' ',
      h('span.badge', {}, d.severity || ''), ' ', h('span.muted', {}, t('dev.state.' + (d.state || 'open')))),
    h('div.muted', {}, [d.manager, d.client, fmtDate(d.raised_at || d.created_at || d.at)].filter(Boolean).join(' · ')),
    h('div.row', {}, note, h('button', { type: 'button', onclick: act('acknowledge') }, t('dev.ack')),
      h('button.secondary', { type: 'button', onclick: act('resolve') }, t('dev.resolve'))));
}

/* ---------- the funnel picture ---------- */

const PALETTE = ['#2b6cb0', '#dd6b20', '#38a169', '#805ad5', '#d53f8c', '#319795', '#b7791f', '#718096'];

/* One row per stage, its bar split by group: the breakdown is in the picture. */
function funnelSvg(rows) {
  if (!rows.length) return h('p.empty', {}, t('rep.empty'));
  const stages = [...new Set(rows.map((r) => r.stage))];
  const groups = [...new Set(rows.map((r) => r.group == null ? '' : r.group))];
  const reached = (s, g) => rows.filter((r) => r.stage === s && (r.group == null ? '' : r.group) === g)
    .reduce((a, r) => a + (r.reached || 0), 0);
  const total = (s) => groups.reduce((a, g) => a + reached(s, g), 0);
  const max = Math.max(1, ...stages.map(total));
  const W = 640, L = 150, BW = W - L - 60, RH = 34, top = 10;
  const ns = 'http://www.w3.org/2000/svg';
  const el = (tag, a, text) => {
    const e = document.createElementNS(ns, tag);
    for (const k in a) e.setAttribute(k, a[k]);
    if (text != null) e.textContent = text;
    return e;
  };
  const H = top + stages.length * RH + 30 + Math.ceil(groups.length / 3) * 20;
  const svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': t('rep.funnel'), class: 'funnelsvg' });
  stages.forEach((s, i) => {
    const y = top + i * RH, tot = total(s), width = (BW * tot) / max;
    let x = L + (BW - width) / 2;
    svg.append(el('text', { x: L - 8, y: y + 20, 'text-anchor': 'end', class: 'lbl' }, s));
    groups.forEach((g, k) => {
      const w = (BW * reached(s, g)) / max;
      if (!w) return;
      const r = el('rect', { x, y: y + 4, width: w, height: RH - 8, fill: PALETTE[k % PALETTE.length] });
      r.append(el('title', {}, (g || t('rep.none')) + ': ' + reached(s, g)));
      svg.append(r);
      if (w > 24) svg.append(el('text', { x: x + w / 2, y: y + 21, 'text-anchor': 'middle', class: 'in' }, fmtNum(reached(s, g))));
      x += w;
    });
    svg.append(el('text', { x: L + BW + 8, y: y + 20, class: 'lbl' }, fmtNum(tot)));
  });
  groups.forEach((g, k) => {
    const y = top + stages.length * RH + 14 + Math.floor(k / 3) * 20, x = L + (k % 3) * 160;
    svg.append(el('rect', { x, y: y - 10, width: 12, height: 12, fill: PALETTE[k % PALETTE.length] }));
    svg.append(el('text', { x: x + 18, y, class: 'lbl' }, g || t('rep.none')));
  });
  return svg;
}

/* ---------- deploy problems, the viewer ---------- */

function problems(rows) {
  if (!rows.length) return null;
  return table([t('proc.line'), t('proc.element'), t('proc.message')], rows,
    (r) => [r.line || '', r.element || '', r.message || '']);
}

function loadViewer() {
  if (window.BpmnJS) return Promise.resolve();
  for (const css of ['/diagram-js.css', '/bpmn-js.css'])
    document.head.append(h('link', { rel: 'stylesheet', href: css }));
  return new Promise((ok, no) => document.head.append(h('script', { src: '/bpmn-viewer.js', onload: ok, onerror: no })));
}

/* ---------- the router ---------- */

async function route() {
  const parts = (location.hash || '#/').slice(2).split('/').map(decodeURIComponent);
  let name = parts[0] || 'home';
  if (!S.me && name !== 'login') name = 'login';
  if (!pages[name]) name = 'home';
  S.route = name;
  nav();
  try {
    await pages[name](...parts.slice(1));
  } catch (e) { failed(e); }
  document.body.dataset.page = name;
}

window.addEventListener('hashchange', route);
(async () => {
  await loadLang(pickLang());
  await loadMe();
  if (S.me) listen();
  route();
})();

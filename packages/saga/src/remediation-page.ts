import { type OperatorRole, visibleText } from '@edge/common';
import { LIST_SORTS, type SagaListSort } from '@edge/saga-wire';
import type { AuditRecord } from './audit-log.js';
import type { EventGroupStats } from './event-dead-letters.js';
import { PROVIDERS } from './provider-client.js';
import { type RefundOwed, refundOwed } from './refund-owed.js';
import { FORWARD_STEPS, type Saga } from './saga.js';
import { STATUS_FILTERS } from './saga-api-schemas.js';
import {
  type SagaSummary,
  SEARCH_SCAN_LIMIT,
  type SearchQuery,
  type SearchResult,
} from './saga-search.js';
import { STEP_PROVIDER, type TimelineEntry } from './saga-timeline.js';
import { describeChange, type EditableStep } from './step-edit.js';

/** What every signed-in page knows about the request. */
export interface PageFrame {
  /** Per-response CSP nonce: only our own script and style run. */
  nonce: string;
  csrf: string;
  subject: string;
  role: OperatorRole;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Everything shown comes from providers, customers and operators: escape it all. */
/** HTML-escaped, with control and bidirectional characters shown as their codes. */
function esc(value: unknown): string {
  return visibleText(String(value ?? '')).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** JSON inside a <script type="application/json">: `<` escaped so no data can close the tag. */
function jsonBlock(id: string, nonce: string, value: unknown): string {
  const json = JSON.stringify(value).replace(/</g, '\\u003c');
  return `<script type="application/json" id="${id}" nonce="${nonce}">${json}</script>`;
}

export function formatAmount(cents: number | null, currency: string | null): string {
  if (cents === null) return '–';
  return `${(cents / 100).toFixed(2)} ${currency ?? ''}`.trim();
}

function formatTotals(totals: Record<string, number>): string {
  const parts = Object.entries(totals).map(([currency, cents]) => formatAmount(cents, currency));
  return parts.length ? parts.join(' + ') : 'no amount';
}

/** A figure built from part of a status's sagas (see SearchResult.exact) says there are more. */
function atLeast(n: number, exact: boolean): string {
  return exact ? String(n) : `${n}+`;
}

/** A span of time in the largest unit that keeps it readable: "45 s", "12 min", "3 h", "2 d". */
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

function age(iso: string, now: number): string {
  return `${duration(now - Date.parse(iso))} ago`;
}

const STYLE = `
body { font: 14px system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1.2rem; background: #1d2330; color: #fff; }
header a { color: #fff; }
header button { color: #fff; background: transparent; border: 1px solid #fff; border-radius: .3rem; padding: .2rem .6rem; cursor: pointer; }
[hidden] { display: none !important; }
.nowrap { white-space: nowrap; }
table.timeline td:nth-child(7) { min-width: 14rem; }
table.timeline td:nth-child(8) { min-width: 16rem; max-width: 30rem; }
table.timeline code { overflow-wrap: anywhere; }
header .who { margin-left: auto; }
main { padding: 1rem 1.2rem; }
a { color: #1d4ed8; }
table { border-collapse: collapse; width: 100%; background: #fff; margin-bottom: 1rem; }
th, td { border-bottom: 1px solid #e2e5ea; padding: .4rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef0f4; font-weight: 600; }
.counts { display: flex; flex-wrap: wrap; gap: .4rem; margin-bottom: .8rem; }
.counts a { padding: .2rem .6rem; border-radius: 1rem; background: #e4e8ef; text-decoration: none; color: #1d2330; }
.counts a.current { background: #1d4ed8; color: #fff; }
form.filters { display: grid; grid-template-columns: repeat(6, minmax(8rem, 1fr)); gap: .4rem .8rem; background: #fff; padding: .8rem; margin-bottom: .8rem; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: #555; }
.status-dead_lettered { color: #b91c1c; font-weight: 600; }
.status-resolved, .status-compensated, .status-completed { color: #15803d; }
.problem { color: #92400e; }
.warning { color: #92400e; background: #fef3c7; padding: .4rem .6rem; border-radius: .3rem; }
.bar { display: flex; gap: .6rem; align-items: center; margin: .6rem 0; }
dialog { border: 1px solid #999; border-radius: .4rem; max-width: 34rem; }
dialog label { display: block; margin: .5rem 0; }
dialog textarea, dialog input { width: 100%; box-sizing: border-box; }
dialog input[type="checkbox"] { width: auto; }
dialog fieldset { border: 1px solid #d6dae1; margin: .5rem 0; }
dialog input[readonly] { background: #eef0f4; }
#edit-diff li { font-family: ui-monospace, monospace; font-size: 12px; }
.muted { color: #666; font-size: 12px; }
code { font-size: 12px; }
#status { font-weight: 600; }
`;

const SCRIPT = `
const csrf = document.querySelector('meta[name="csrf-token"]');
const say = (text) => { const el = document.getElementById('status'); if (el) el.textContent = text; };
async function post(path, body) {
  const headers = { 'content-type': 'application/json' };
  if (csrf) headers['x-csrf-token'] = csrf.content;
  const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((json.error && json.error.message) || ('HTTP ' + res.status));
  return json;
}
const signIn = document.getElementById('sign-in');
if (signIn) signIn.addEventListener('submit', async (event) => {
  event.preventDefault();
  try { await post('/session', { token: document.getElementById('token').value.trim() }); location.reload(); }
  catch (err) { say('Sign-in failed: ' + err.message); }
});
const signOut = document.getElementById('sign-out');
if (signOut) signOut.addEventListener('click', async () => {
  try { await post('/session/end', {}); } finally { location.href = '/remediation'; }
});
const dialog = document.getElementById('confirm');
let pending = null;
const editableBlock = document.getElementById('editable');
const editable = editableBlock ? JSON.parse(editableBlock.textContent) : {};
let editing = null;
const showValue = (field, value) => {
  if (value === null || value === undefined || value === '') return '(none)';
  if (field.kind !== 'cents') return JSON.stringify(value);
  const currency = editing && editing.fields.find((f) => f.name === 'currency');
  return value + ' (' + (value / 100).toFixed(2) + (currency && currency.value ? ' ' + currency.value : '') + ')';
};
function editChanges() {
  if (!editing || !document.getElementById('edit-toggle').checked) return [];
  const changes = [];
  for (const field of editing.fields) {
    if (field.readOnly) continue;
    const raw = document.querySelector('#edit-inputs [data-field="' + field.name + '"]').value.trim();
    if (raw === '') continue;
    const after = field.kind === 'cents' ? Number(raw) : raw;
    if (after !== field.value) changes.push({ field, after });
  }
  return changes;
}
function showDiff() {
  const list = document.getElementById('edit-diff');
  const changes = editChanges();
  list.replaceChildren(...(changes.length ? changes : [null]).map((c) => {
    const item = document.createElement('li');
    item.textContent = c ? c.field.name + ': ' + showValue(c.field, c.field.value) + ' -> ' + showValue(c.field, c.after) : 'no change yet';
    return item;
  }));
}
function prepareEdit(id) {
  const steps = (id && editable[id]) || [];
  editing = steps[0] || null;
  document.getElementById('edit-row').hidden = !editing;
  document.getElementById('edit-toggle').checked = false;
  document.getElementById('edit-fields').hidden = true;
  const inputs = document.getElementById('edit-inputs');
  inputs.replaceChildren();
  if (!editing) return;
  document.getElementById('edit-step').textContent = 'Step ' + editing.step;
  for (const field of editing.fields) {
    const label = document.createElement('label');
    label.textContent = field.label + (field.readOnly ? ' (fixed)' : '');
    const input = document.createElement('input');
    input.dataset.field = field.name;
    input.value = field.value === null ? '' : String(field.value);
    if (field.kind === 'cents') { input.type = 'number'; input.min = '1'; input.step = '1'; if (field.max !== undefined) input.max = String(field.max); }
    else input.type = 'text';
    input.readOnly = field.readOnly;
    input.addEventListener('input', () => { document.getElementById('confirm-error').textContent = ''; showDiff(); });
    const hint = document.createElement('span');
    hint.className = 'muted';
    hint.textContent = field.hint;
    label.append(input, hint);
    inputs.append(label);
  }
  showDiff();
}
const editToggle = document.getElementById('edit-toggle');
if (editToggle) editToggle.addEventListener('change', () => {
  document.getElementById('edit-fields').hidden = !editToggle.checked;
  showDiff();
});
function editProblem() {
  if (!editing || !document.getElementById('edit-toggle').checked) return '';
  const changes = editChanges();
  if (changes.length === 0) return 'Change a field, or untick "Edit before replay".';
  for (const { field, after } of changes) {
    if (field.kind === 'cents' && (!Number.isInteger(after) || after < 1 || (field.max !== undefined && after > field.max))) {
      return field.label + ' must be a whole number of cents from 1 to ' + field.max + '.';
    }
  }
  return '';
}
function ask(kind, ids, title, needsReference, owes) {
  pending = { kind, ids };
  document.getElementById('keep-row').hidden = !owes;
  document.getElementById('keep-charge').checked = false;
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-reason').value = '';
  document.getElementById('confirm-reference').value = '';
  document.getElementById('reference-row').hidden = !needsReference;
  document.getElementById('confirm-error').textContent = '';
  prepareEdit(kind === 'replay' ? ids[0] : null);
  dialog.showModal();
}
function markRow(id, text) {
  const cell = document.querySelector('tr[data-saga-id="' + CSS.escape(id) + '"] .status');
  if (cell) { cell.textContent = text; cell.className = 'status'; }
}
async function replayMany(ids, reason) {
  const box = document.getElementById('progress-box');
  const bar = document.getElementById('progress');
  box.hidden = false; bar.max = ids.length; bar.value = 0;
  let done = 0;
  let replayed = 0;
  const skipped = [];
  // Chunks of ten, one after the other: a bulk replay never floods the providers at once,
  // and the operator sees it advance.
  for (let i = 0; i < ids.length; i += 10) {
    const chunk = ids.slice(i, i + 10);
    const result = await post('/sagas/replay', { ids: chunk, reason });
    // Only what the API says it replayed counts: a saga resolved, replayed or settled since the
    // page was drawn is skipped there, with the reason.
    for (const id of result.replayed) markRow(id, 'replayed');
    for (const s of result.skipped) markRow(s.id, 'not replayed');
    replayed += result.replayed.length;
    skipped.push(...result.skipped);
    done += chunk.length; bar.value = done;
    document.getElementById('progress-text').textContent = 'Sent ' + done + ' of ' + ids.length + ', replayed ' + replayed;
  }
  const missing = ids.length - replayed;
  const why = skipped.slice(0, 5).map((s) => s.reason).join('; ') + (skipped.length > 5 ? '; and ' + (skipped.length - 5) + ' more' : '');
  say('Replayed ' + replayed + ' of ' + ids.length + ' sagas.' + (missing > 0 ? ' ' + missing + ' not replayed' + (why ? ': ' + why : '') + '.' : ''));
}
if (dialog) dialog.addEventListener('close', async () => {
  if (dialog.returnValue !== 'confirm' || !pending) return;
  const { kind, ids } = pending; pending = null;
  const reason = document.getElementById('confirm-reason').value.trim();
  const reference = document.getElementById('confirm-reference').value.trim();
  try {
    if (kind === 'replay') {
      const changes = editChanges();
      const body = changes.length ? { reason, edit: { step: editing.step, input: Object.fromEntries(changes.map((c) => [c.field.name, c.after])) } } : { reason };
      const result = await post('/sagas/' + encodeURIComponent(ids[0]) + '/replay', body);
      markRow(ids[0], 'replayed');
      const edited = result.edit ? ' after editing ' + result.edit.step + ' (' + result.edit.changes.map((c) => c.field + ': ' + c.before + ' -> ' + c.after).join(', ') + ')' : '';
      say('Replayed ' + ids[0] + edited + '.');
    }
    else if (kind === 'resolve') {
      const keep = !document.getElementById('keep-row').hidden && document.getElementById('keep-charge').checked;
      const result = await post('/sagas/' + encodeURIComponent(ids[0]) + '/resolve', keep ? { reason, reference, keepCharge: true } : { reason, reference });
      markRow(ids[0], 'resolved');
      say('Resolved ' + ids[0] + ' (' + reference + ')' + (result.keptCents === undefined ? '' : ', keeping ' + result.keptCents + ' cents of the charge') + '.');
    }
    else if (kind === 'bulk') { await replayMany(ids, reason); }
    else if (kind === 'events') { const r = await post('/events/' + encodeURIComponent(ids[0]) + '/replay', { reason }); say('Replayed ' + r.replayed.length + ' dead letters of ' + ids[0] + '.'); }
  } catch (err) { say('Failed: ' + err.message); }
});
const confirmButton = document.getElementById('confirm-ok');
if (confirmButton) confirmButton.addEventListener('click', (event) => {
  const reason = document.getElementById('confirm-reason').value.trim();
  const needsReference = !document.getElementById('reference-row').hidden;
  const reference = document.getElementById('confirm-reference').value.trim();
  if (!reason || (needsReference && !reference)) {
    event.preventDefault();
    document.getElementById('confirm-error').textContent = needsReference ? 'A reason and a reference are required.' : 'A reason is required.';
    return;
  }
  const problem = editProblem();
  if (problem) {
    event.preventDefault();
    document.getElementById('confirm-error').textContent = problem;
  }
});
document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const id = button.dataset.id;
  const what = button.dataset.what;
  if (button.dataset.action === 'replay') ask('replay', [id], 'Replay 1 saga: ' + what + '. Its current step gets a new horizon, counted from now, and runs again.', false);
  if (button.dataset.action === 'resolve') {
    const owes = button.dataset.owes;
    const refund = owes ? ' It owes a refund of ' + owes + ': replay it to refund, or refund by hand first; a resolve is refused while the provider holds the money, unless you tick the box.' : '';
    ask('resolve', [id], 'Resolve 1 saga: ' + what + '. It will never be retried; say what was done by hand.' + refund, true, owes);
  }
  if (button.dataset.action === 'events') ask('events', [button.dataset.group], 'Replay ' + button.dataset.count + ' dead letters of ' + button.dataset.group + '. Each is delivered to the group again; its handler must now succeed.', false);
  if (button.dataset.action === 'bulk') {
    const ids = JSON.parse(document.getElementById('replayable').textContent);
    ask('bulk', ids, 'Replay ' + ids.length + ' sagas, total ' + button.dataset.total + '. The current step of each gets a new horizon, counted from now.', false);
  }
});
`;

function head(title: string, nonce: string, csrf?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${csrf ? `<meta name="csrf-token" content="${esc(csrf)}">` : ''}
<title>${esc(title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>`;
}

function layout(title: string, frame: PageFrame, body: string): string {
  return `${head(title, frame.nonce, frame.csrf)}
<body>
<header>
  <strong>Saga operations</strong>
  <a href="/remediation">Sagas</a>
  <a href="/remediation/events">Event dead letters</a>
  <a href="/remediation/audit">Audit log</a>
  <span class="who">Signed in as <strong id="subject">${esc(frame.subject)}</strong> (${esc(frame.role)})</span>
  <button type="button" id="sign-out">Sign out</button>
</header>
<main>
<h1>${esc(title)}</h1>
<p id="status" role="status"></p>
${body}
</main>
<dialog id="confirm">
  <form method="dialog">
    <p id="confirm-title"></p>
    <label>Reason (goes into the audit log)<textarea id="confirm-reason" rows="3" required></textarea></label>
    <label id="reference-row">Reference (e.g. the manual refund id)<input id="confirm-reference" type="text"></label>
    <label id="keep-row" hidden><input type="checkbox" id="keep-charge"> Keep the money on purpose: no refund will be made</label>
    <div id="edit-row" hidden>
      <label><input type="checkbox" id="edit-toggle"> Edit before replay</label>
      <fieldset id="edit-fields" hidden>
        <legend id="edit-step"></legend>
        <div id="edit-inputs"></div>
        <p class="muted">Changes, checked by the orchestrator and kept in the audit log:</p>
        <ul id="edit-diff"></ul>
      </fieldset>
    </div>
    <p id="confirm-error" class="problem"></p>
    <button value="cancel" formnovalidate>Cancel</button>
    <button value="confirm" id="confirm-ok">Confirm</button>
  </form>
</dialog>
<script nonce="${frame.nonce}">${SCRIPT}</script>
</body>
</html>`;
}

/**
 * A refusal of a page request (a bad filter, an unknown saga) as a page in the frame, with the
 * same code and message the API answers, and the way back to the list.
 */
export function renderProblemPage(
  frame: PageFrame,
  problem: { status: number; code: string; message: string; runbook?: string | undefined },
): string {
  const runbook = problem.runbook
    ? `<p id="runbook">Runbook: <strong>${esc(problem.runbook)}</strong> in docs/operations.md, "Alerts and runbooks".</p>`
    : '';
  return layout(
    `${problem.status}: ${problem.code}`,
    frame,
    `<p class="problem">${esc(problem.message)}</p>
${runbook}<p><a href="/remediation">Back to the sagas needing attention</a></p>`,
  );
}

/** 401: how to sign in, with a form that sends the token once and keeps it in a cookie. */
export function renderSignInPage(nonce: string, devStack: boolean): string {
  const how = devStack
    ? '<p>Dev stack: <code>npm run -s cli -- token --role operator</code> (or <code>--role viewer</code>) prints a token.</p>'
    : '<p>Get an operator token from your identity provider (see docs/operations.md, "Operator sign-in").</p>';
  return `${head('Sign in: saga operations', nonce)}
<body>
<main>
<h1>Sign in to saga operations</h1>
<p>This page needs an operator or viewer token with the <code>roles</code> claim.</p>
${how}
<form id="sign-in">
  <label>Token <input id="token" name="token" type="password" autocomplete="off" size="60" required></label>
  <button type="submit">Sign in</button>
</form>
<p id="status" role="status"></p>
</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>`;
}

function option(value: string, current: string | undefined, label = value): string {
  return `<option value="${esc(value)}"${value === (current ?? '') ? ' selected' : ''}>${esc(label)}</option>`;
}

const STEPS = [
  ...FORWARD_STEPS,
  ...Object.keys(STEP_PROVIDER).filter((s) => !(FORWARD_STEPS as readonly string[]).includes(s)),
];

const SORT_LABELS: Record<SagaListSort, string> = {
  newest_change: 'newest change first',
  oldest_compensation: 'oldest compensation first',
};

/** The compensating sagas, longest-compensating first: what the compensation-age alert is about. */
const COMPENSATING_VIEW = '/remediation?status=compensating&sort=oldest_compensation';

function filtersForm(q: SearchQuery): string {
  const text = (name: keyof SearchQuery, label: string, value: unknown, type = 'text') =>
    `<label>${label}<input name="${name}" type="${type}" value="${esc(value ?? '')}"></label>`;
  const status = q.status ?? q.state ?? 'attention';
  return `<form class="filters" method="get" action="/remediation">
  <label>Status<select name="status">${STATUS_FILTERS.map((s) => option(s, status, s === 'attention' ? 'needs attention' : s)).join('')}</select></label>
  <label>Step<select name="step">${option('', q.step, 'any')}${STEPS.map((s) => option(s, q.step)).join('')}</select></label>
  <label>Provider<select name="provider">${option('', q.provider, 'any')}${PROVIDERS.map((p) => option(p, q.provider)).join('')}</select></label>
  ${text('reason', 'Reason contains', q.reason)}
  <label>Age<select name="olderThanMin">${option('', q.olderThanMin?.toString(), 'any')}${[5, 60, 1440].map((m) => option(String(m), q.olderThanMin?.toString(), `older than ${m < 60 ? `${m} min` : m < 1440 ? `${m / 60} h` : `${m / 1440} d`}`)).join('')}</select></label>
  ${text('q', 'Search', q.q, 'search')}
  ${text('orderId', 'Order id', q.orderId)}
  ${text('userId', 'User id', q.userId)}
  ${text('minAmount', 'Amount from', q.minAmount === undefined ? '' : (q.minAmount / 100).toFixed(2))}
  ${text('maxAmount', 'Amount to', q.maxAmount === undefined ? '' : (q.maxAmount / 100).toFixed(2))}
  <label>Order<select name="sort">${LIST_SORTS.map((s) => option(s, q.sort, SORT_LABELS[s])).join('')}</select></label>
  <label>&nbsp;<button type="submit" id="apply-filters">Apply filters</button></label>
  <label>&nbsp;<a href="/remediation">Clear</a></label>
</form>`;
}

function countsBar(result: SearchResult, q: SearchQuery): string {
  const current = q.status ?? q.state ?? 'attention';
  const { counts, exact } = result;
  const shown = (s: keyof SearchResult['counts']) =>
    s === 'stuck' ? atLeast(counts.stuck, exact.stuck) : String(counts[s]);
  const attention = atLeast(counts.dead_lettered + counts.stuck, exact.stuck);
  const first = `<a href="/remediation" class="${current === 'attention' ? 'current' : ''}" data-count="attention">needs attention <strong>${attention}</strong></a>`;
  const chips = (
    [
      'dead_lettered',
      'stuck',
      'compensating',
      'running',
      'pending',
      'resolved',
      'compensated',
      'completed',
    ] as const
  ).map(
    (s) =>
      `<a href="${s === 'compensating' ? COMPENSATING_VIEW : `/remediation?status=${s}`}" class="${s === current ? 'current' : ''}" data-count="${s}">${s.replace('_', ' ')} <strong>${shown(s)}</strong></a>`,
  );
  return `<nav class="counts" aria-label="Counts per status">${first}${chips.join('')}<a href="/remediation?status=any" class="${current === 'any' ? 'current' : ''}">any</a></nav>`;
}

function what(s: SagaSummary): string {
  return `${s.id} (order ${s.orderId ?? '–'}, ${formatAmount(s.amountCents, s.currency)})`;
}

/** Per saga id, the refund it still owes (`refundOwed`), as the row and its resolve dialog say. */
type OwedBySaga = ReadonlyMap<string, RefundOwed>;

function actions(s: SagaSummary, role: OperatorRole, owed?: RefundOwed): string {
  if (role !== 'operator' || !s.replayable) return '';
  const attrs = `data-id="${esc(s.id)}" data-what="${esc(what(s))}"`;
  const owes = owed ? formatAmount(owed.cents, owed.currency) : undefined;
  return `<button type="button" data-action="replay" ${attrs}>Replay…</button>
    <button type="button" data-action="resolve" ${attrs}${owes ? ` data-owes="${esc(owes)}"` : ''}>Resolve…</button>${owes ? `<br><span class="problem owes-refund">owes a refund of ${esc(owes)}</span>` : ''}`;
}

function rows(items: SagaSummary[], role: OperatorRole, now: number, owed: OwedBySaga): string {
  if (items.length === 0)
    return '<p class="empty" data-empty="sagas">No saga matches these filters.</p>';
  const body = items
    .map(
      (s) => `<tr data-saga-id="${esc(s.id)}">
  <td><a href="/remediation/sagas/${encodeURIComponent(s.id)}" class="timeline-link">${esc(s.id)}</a><br><span class="muted">order ${esc(s.orderId ?? '–')} · user ${esc(s.userId)}${s.partnerId ? ` · partner ${esc(s.partnerId)}` : ''}</span></td>
  <td class="status status-${esc(s.status)}">${esc(s.status.replace('_', ' '))}${s.stuck ? ' (stuck)' : ''}</td>
  <td class="amount nowrap">${esc(formatAmount(s.amountCents, s.currency))}</td>
  <td>${esc(s.step ?? '–')}<br><span class="muted">${esc(s.provider ?? '')}</span>${s.parkedUntil ? `<br><span class="problem" data-parked-until>parked until ${esc(s.parkedUntil)}</span>` : ''}${s.compensatingSince ? `<br><span class="problem" data-compensating-since="${esc(s.compensatingSince)}">compensating for ${esc(duration(now - Date.parse(s.compensatingSince)))}</span>` : ''}</td>
  <td>${esc(s.reason ?? '')}${s.lastProblem ? `<br><span class="problem">${esc(s.lastProblem.summary)}</span>` : ''}</td>
  <td>${esc(age(s.updatedAt, now))}<br><span class="muted nowrap">${esc(s.updatedAt)}</span></td>
  <td class="actions">${actions(s, role, owed.get(s.id))}</td>
</tr>`,
    )
    .join('');
  return `<table class="sagas"><thead><tr><th>saga</th><th>status</th><th>amount</th><th>step</th><th>reason / last problem</th><th>updated</th><th>actions</th></tr></thead><tbody>${body}</tbody></table>`;
}

function pageLinks(q: SearchQuery, result: SearchResult, query: URLSearchParams): string {
  if (!result.nextCursor && !q.cursor) return '';
  const next = new URLSearchParams(query);
  if (result.nextCursor) next.set('cursor', result.nextCursor);
  const first = new URLSearchParams(query);
  first.delete('cursor');
  return `<p class="bar">${q.cursor ? `<a href="/remediation?${esc(first.toString())}">First page</a>` : ''}
  ${result.nextCursor ? `<a href="/remediation?${esc(next.toString())}" id="next-page">Next page</a>` : ''}</p>`;
}

/** Optional section, shown once a reconciliation source answers. */
export interface ReconciliationFinding {
  kind: string;
  orderId?: string;
  sagaId?: string;
  detail: string;
}

/** Per saga id, the steps an operator may edit before replaying it (the replay dialog's form). */
export type EditableBySaga = Record<string, EditableStep[]>;

/** The reconciliation panel: the last report's time and findings, and the newest failed run. */
export interface ReconciliationPanel {
  /** When the shown report's run began; undefined before any report. */
  at: string | undefined;
  findings: ReconciliationFinding[] | undefined;
  lastFailure?: { at: string; error: string; afterReport: boolean } | undefined;
}

export interface RemediationPageData {
  frame: PageFrame;
  editable: EditableBySaga;
  query: SearchQuery;
  rawQuery: URLSearchParams;
  result: SearchResult;
  now: number;
  reconciliation?: ReconciliationPanel | undefined;
}

/**
 * The findings with the time of their report, and a run that failed after it: "No drift" on
 * its own was read as "nothing owed" while the scheduled runs failed and a dead-lettered refund
 * held a customer's money.
 */
function findingsSection(panel: ReconciliationPanel | undefined, now: number): string {
  if (!panel) return '';
  const { findings, lastFailure } = panel;
  const failed =
    lastFailure?.afterReport === true
      ? `<p class="warning" id="reconciliation-failed">The last reconciliation run, at ${esc(lastFailure.at)} (${esc(age(lastFailure.at, now))}), failed: ${esc(lastFailure.error)}. ${findings ? 'The findings below are older than that run' : 'No run has made a report yet'}; run <code>npm run -s cli -- reconcile</code> for a fresh one.</p>`
      : '';
  if (!findings) return failed ? `<h2>Reconciliation findings</h2>${failed}` : '';
  const asOf = panel.at
    ? `<p class="as-of" id="reconciliation-as-of">As of ${esc(panel.at)} (${esc(age(panel.at, now))}).</p>`
    : '';
  const body = findings.length
    ? `<table class="findings"><thead><tr><th>finding</th><th>order</th><th>saga</th><th>detail</th></tr></thead><tbody>${findings
        .map(
          (f) =>
            `<tr><td>${esc(f.kind)}</td><td>${esc(f.orderId ?? '–')}</td><td>${f.sagaId ? `<a href="/remediation/sagas/${encodeURIComponent(f.sagaId)}">${esc(f.sagaId)}</a>` : '–'}</td><td>${esc(f.detail)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="empty">No drift between sagas and providers.</p>';
  return `<h2>Reconciliation findings (${findings.length})</h2>${asOf}${failed}${body}`;
}

/** Said above a list that shows only part of what matches, and what to do about it. */
function truncationNote(result: SearchResult): string {
  if (result.exact.matched) return '';
  const statuses = result.truncated
    .map((s) => `${s.replace('_', ' ')} (${result.counts[s]})`)
    .join(', ');
  return `<p class="problem" id="truncated">More sagas match than one search reads: ${SEARCH_SCAN_LIMIT} of each of ${esc(statuses)} were read. The list, its total and the bulk replay cover those ${result.matched}; narrow the filters, or act on these and reload for the rest.</p>`;
}

/**
 * The bulk replay names how many sagas it acts on: the replayable ones, and whether that is all
 * that match (a filter may match sagas no replay accepts) and all there are (see `exact`).
 */
function bulkLabel(result: SearchResult): string {
  const count = result.replayable.ids.length;
  const matching = atLeast(result.matched, result.exact.matched);
  if (count === result.matched) {
    return result.exact.matched
      ? `Replay all ${count} matching…`
      : `Replay the ${count} read of ${matching} matching…`;
  }
  return `Replay the ${count} replayable of ${matching} matching…`;
}

function owedOf(sagas: Saga[]): OwedBySaga {
  return new Map(
    sagas.flatMap((saga) => {
      const owed = refundOwed(saga);
      return owed ? [[saga.id, owed] as const] : [];
    }),
  );
}

/** The list: counts, filters, matching sagas with actions, paging and the bulk replay. */
export function renderRemediationPage(data: RemediationPageData): string {
  const { frame, query, result, now } = data;
  const bulk =
    result.replayable.ids.length > 0 && frame.role === 'operator'
      ? `<button type="button" data-action="bulk" data-total="${esc(formatTotals(result.replayable.totals))}" id="bulk-replay">${bulkLabel(result)}</button>`
      : '';
  const body = `${countsBar(result, query)}
${filtersForm(query)}
${truncationNote(result)}
<div class="bar"><span id="matched-count">${atLeast(result.matched, result.exact.matched)} matching, total ${esc(formatTotals(result.totals))}</span>${bulk}
  <span id="progress-box" hidden><progress id="progress" value="0" max="1"></progress> <span id="progress-text"></span></span></div>
${rows(result.items, frame.role, now, owedOf(result.sagas))}
${pageLinks(query, result, data.rawQuery)}
${findingsSection(data.reconciliation, now)}
${jsonBlock('replayable', frame.nonce, result.replayable.ids)}
${jsonBlock('editable', frame.nonce, frame.role === 'operator' ? data.editable : {})}`;
  return layout('Sagas', frame, body);
}

/** One saga: its facts and every attempt and operator action, in order. */
export function renderTimelinePage(
  frame: PageFrame,
  summary: SagaSummary,
  timeline: TimelineEntry[],
  now: number,
  editable: EditableStep[],
  /** The refund it still owes, which its resolve dialog names (as on the list). */
  owed: RefundOwed | undefined,
): string {
  const facts = `<table class="facts" data-saga-id="${esc(summary.id)}"><tbody>
<tr><th>status</th><td class="status status-${esc(summary.status)}">${esc(summary.status)}${summary.stuck ? ' (stuck)' : ''}</td><th>amount</th><td>${esc(formatAmount(summary.amountCents, summary.currency))}</td></tr>
<tr><th>order</th><td>${esc(summary.orderId ?? '–')}</td><th>user</th><td>${esc(summary.userId)}${summary.partnerId ? ` (partner ${esc(summary.partnerId)})` : ''}</td></tr>
<tr><th>reason</th><td colspan="3">${esc(summary.reason ?? '–')}${summary.parkedUntil ? ` · parked until ${esc(summary.parkedUntil)}` : ''}</td></tr>
<tr><th>created</th><td>${esc(summary.createdAt)}</td><th>updated</th><td>${esc(summary.updatedAt)} (${esc(age(summary.updatedAt, now))})</td></tr>
</tbody></table>
<p class="actions">${actions(summary, frame.role, owed)}</p>`;
  const entries = timeline
    .map(
      (e) => `<tr class="event event-${esc(e.type)}">
  <td class="nowrap">${esc(e.at)}</td><td>${esc(e.type)}</td><td>${esc(e.step ?? '')}</td><td>${esc(e.provider ?? '')}</td>
  <td>${esc(e.attempt ?? '')}</td><td>${esc(e.statusCode ?? '')}</td><td>${esc(e.summary)}${e.actor ? `<br>by <strong>${esc(e.actor)}</strong>: ${esc(e.reason ?? '')}` : ''}</td>
  <td><code>${esc(e.excerpt ?? '')}</code></td><td>${e.retryAfterS === undefined ? '' : `${esc(e.retryAfterS)} s`}</td><td>${esc(e.nextAt ?? '')}</td>
</tr>`,
    )
    .join('');
  const table = `<h2>Timeline (${timeline.length} events)</h2>
<table class="timeline"><thead><tr><th>time</th><th>event</th><th>step</th><th>provider</th><th>attempt</th><th>status code</th><th>what happened</th><th>answer excerpt</th><th>Retry-After</th><th>next try / parked until</th></tr></thead><tbody>${entries}</tbody></table>`;
  const edits = jsonBlock(
    'editable',
    frame.nonce,
    frame.role === 'operator' ? { [summary.id]: editable } : {},
  );
  return layout(`Saga ${summary.id}`, frame, facts + table + edits);
}

export function renderAuditPage(frame: PageFrame, records: AuditRecord[]): string {
  const body = records.length
    ? `<table class="audit"><thead><tr><th>time</th><th>who</th><th>action</th><th>saga</th><th>order</th><th>reason</th><th>edit before replay</th></tr></thead><tbody>${records
        .map(
          (r) =>
            `<tr><td class="nowrap">${esc(r.at)}</td><td class="actor">${esc(r.actor)}</td><td>${esc(r.action)}</td><td><a href="/remediation/sagas/${encodeURIComponent(r.sagaId)}">${esc(r.sagaId)}</a></td><td class="nowrap">${esc(r.orderId ?? '–')}</td><td>${esc(r.reason)}</td><td class="edit">${r.edit ? `${esc(r.edit.step)}<br><code>${r.edit.changes.map((c) => esc(describeChange(c))).join('<br>')}</code>` : ''}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="empty">No operator action yet.</p>';
  return layout('Audit log', frame, body);
}

/** One consumer group on the events page: its numbers and the dead letters it holds. */
export type EventGroupView = EventGroupStats & { items: Record<string, unknown>[] };

/** A group's backlog in words: what is waiting, since when, and whether its consumers beat. */
function groupNumbers(stats: EventGroupStats): string {
  const consumers = stats.consumers.length
    ? stats.consumers
        .map((c) => {
          const ago = `heartbeat ${esc(duration(c.heartbeatAgeMs))} ago`;
          if (c.live === undefined) return `${esc(c.consumer)} (${ago})`;
          // Heartbeats are kept a day: a restarted consumer's old name stays listed, as dead.
          return c.live
            ? `<span data-consumer="live">${esc(c.consumer)} (live, ${ago})</span>`
            : `<span class="muted" data-consumer="dead">${esc(c.consumer)} (dead, last ${ago})</span>`;
        })
        .join(', ')
    : 'none yet';
  const stat = (key: string, label: string, html: string) =>
    `<span class="muted" data-stat="${key}">${label}: <strong>${html}</strong></span>`;
  return [
    stat('lag', 'unprocessed events', esc(stats.lag)),
    // The consumers report age 0 when nothing waits; "0 s" would read as "just arrived".
    stat(
      'oldest',
      'oldest unprocessed',
      esc(stats.lag > 0 ? duration(stats.oldestUnprocessedAgeMs) : 'none'),
    ),
    stat('dlq', 'dead letters', esc(stats.dlqDepth)),
    stat('consumers', 'consumers', consumers),
  ].join(' · ');
}

/** The order event consumer groups: backlog, dead letters with their errors, replay per group. */
export function renderEventsPage(frame: PageFrame, groups: EventGroupView[]): string {
  const sections = groups.map(({ items, ...stats }) => {
    const { group } = stats;
    const replay =
      items.length > 0 && frame.role === 'operator'
        ? `<button type="button" data-action="events" data-group="${esc(group)}" data-count="${items.length}">Replay dead letters of ${esc(group)}…</button>`
        : '';
    const columns = [...new Set(items.flatMap((item) => Object.keys(item)))].slice(0, 6);
    const table = items.length
      ? `<table class="dead-letters" data-group="${esc(group)}"><thead><tr>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${items
          .map(
            (item) =>
              `<tr>${columns.map((c) => `<td><code>${esc(typeof item[c] === 'object' ? JSON.stringify(item[c]) : item[c])}</code></td>`).join('')}</tr>`,
          )
          .join('')}</tbody></table>`
      : '<p class="empty">No dead letters.</p>';
    return `<h2 id="group-${esc(group)}">${esc(group)}</h2><p class="bar group-stats" data-group="${esc(group)}">${groupNumbers(stats)} ${replay}</p>${table}`;
  });
  return layout('Event dead letters', frame, sections.join('\n'));
}

import type { SagaEvent } from './saga';
import type { SagaView } from './saga-view';

export interface RemediationPageData {
  deadLettered: SagaView[];
  stuck: SagaView[];
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Everything shown comes from providers and operators: escape it all. */
function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function describeEvent(event: SagaEvent): string {
  const parts: string[] = [];
  if ('step' in event) parts.push(event.step);
  if ('attempt' in event) parts.push(`attempt ${event.attempt}`);
  if ('answer' in event) {
    parts.push(
      'status' in event.answer ? `answer ${event.answer.status}` : `error ${event.answer.error}`,
    );
  }
  if ('actor' in event) parts.push(`by ${event.actor}`);
  if ('reason' in event) parts.push(event.reason);
  if (event.type === 'retry_scheduled' || event.type === 'call_deferred') {
    parts.push(`due ${event.dueAt}`);
  }
  if (event.type === 'step_parked') parts.push(`parked until ${event.until}`);
  return parts.join(' · ');
}

function historyTable(saga: SagaView): string {
  const rows = saga.history
    .map(
      (e) =>
        `<tr><td>${esc(e.at)}</td><td>${esc(e.type)}</td><td>${esc(describeEvent(e))}</td><td><code>${esc(
          'idempotencyKey' in e ? e.idempotencyKey : '',
        )}</code></td></tr>`,
    )
    .join('');
  return `<details><summary>${saga.history.length} events</summary><table class="history"><thead><tr><th>at</th><th>event</th><th>detail</th><th>idempotency key</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

function sagaRows(sagas: SagaView[], kind: string): string {
  if (sagas.length === 0) return `<p class="empty" data-empty="${kind}">None.</p>`;
  const rows = sagas
    .map(
      (s) => `<tr data-saga-id="${esc(s.id)}">
  <td><code>${esc(s.id)}</code><br>order ${esc(s.orderId ?? '-')}</td>
  <td>${esc(s.status)}${s.parkedUntil ? `<br><small data-parked-until>parked until ${esc(s.parkedUntil)}</small>` : ''}</td>
  <td>${esc(s.reason ?? '')}<br><small>updated ${esc(s.updatedAt)}</small></td>
  <td>${historyTable(s)}</td>
  <td class="actions">
    <button type="button" data-action="replay" data-id="${esc(s.id)}">Replay</button>
    <input type="text" name="resolve-reason" placeholder="resolution reason" data-id="${esc(s.id)}">
    <button type="button" data-action="resolve" data-id="${esc(s.id)}">Resolve</button>
  </td>
</tr>`,
    )
    .join('');
  return `<table class="sagas" data-list="${kind}"><thead><tr><th>saga</th><th>status</th><th>reason</th><th>history</th><th>actions</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const SCRIPT = `
const status = document.getElementById('status');
const actor = () => document.getElementById('actor').value.trim();
async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((json.error && json.error.message) || ('HTTP ' + res.status));
  return json;
}
async function act(button) {
  const who = actor();
  if (!who) { status.textContent = 'Enter your name as the actor first.'; return; }
  const id = button.dataset.id;
  try {
    if (button.dataset.action === 'replay') {
      await post('/sagas/' + encodeURIComponent(id) + '/replay', { actor: who, reason: 'replayed from remediation page' });
    } else if (button.dataset.action === 'resolve') {
      const input = document.querySelector('input[name="resolve-reason"][data-id="' + CSS.escape(id) + '"]');
      const reason = input ? input.value.trim() : '';
      if (!reason) { status.textContent = 'A resolution needs a reason.'; return; }
      await post('/sagas/' + encodeURIComponent(id) + '/resolve', { actor: who, reason });
    } else if (button.dataset.action === 'replay-all') {
      const result = await post('/sagas/replay', { all: true, actor: who, reason: 'replay all from remediation page' });
      status.textContent = 'Replayed ' + result.replayed.length + ' sagas.';
    }
    status.textContent = status.textContent || 'Done.';
    setTimeout(() => location.reload(), 300);
  } catch (err) {
    status.textContent = 'Failed: ' + err.message;
  }
}
document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (button) { status.textContent = ''; act(button); }
});
`;

/** Server-rendered page for operators; the buttons call the same HTTP API as the CLI. */
export function renderRemediationPage(data: RemediationPageData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Saga remediation</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
th, td { border: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }
table.history { font-size: 12px; }
#status { font-weight: bold; min-height: 1.2em; }
.toolbar { display: flex; gap: .5rem; align-items: center; margin-bottom: 1rem; }
</style>
</head>
<body>
<h1>Saga remediation</h1>
<div class="toolbar">
  <label>Actor <input id="actor" type="text" placeholder="your name or email"></label>
  <button type="button" data-action="replay-all">Replay all dead-lettered (${data.deadLettered.length})</button>
  <span id="status" role="status"></span>
</div>
<h2>Dead-lettered (<span id="dlq-count">${data.deadLettered.length}</span>)</h2>
${sagaRows(data.deadLettered, 'dead_lettered')}
<h2>Stuck (${data.stuck.length})</h2>
${sagaRows(data.stuck, 'stuck')}
<script>${SCRIPT}</script>
</body>
</html>`;
}

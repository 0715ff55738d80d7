/** The status page: one static HTML file that polls /v1/status (no build step, no outside assets). */
export const dashboardHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Verinet node</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;max-width:70rem;color:#222}
h1{font-size:1.3rem} h2{font-size:1.05rem;margin-top:1.5rem}
table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;font-family:ui-monospace,monospace;font-size:12px}
.warn{color:#a60} .error{color:#b00;font-weight:600} .ok{color:#070} #summary{padding:.6rem;background:#f4f4f4;border-radius:4px}
</style></head><body>
<h1>Verinet node <span id="node"></span></h1>
<div id="summary">loading…</div>
<h2>Current tasks</h2><table id="open"></table>
<h2>Recent tasks</h2><table id="recent"></table>
<h2>Log</h2><table id="log"></table>
<script>
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const short = (k) => k ? k.slice(0, 10) + '…' + k.slice(-6) : '';
function rows(el, head, items, cells) {
  el.innerHTML = '<tr>' + head.map((h) => '<th>' + h + '</th>').join('') + '</tr>' +
    (items.length ? items.map((i) => '<tr>' + cells(i).map((c) => '<td>' + c + '</td>').join('') + '</tr>').join('') : '<tr><td colspan="9">none</td></tr>');
}
async function refresh() {
  try {
    const s = await (await fetch('v1/status')).json();
    document.getElementById('node').textContent = s.node;
    document.getElementById('summary').innerHTML = '<span class="' + (s.chain.rpcOk ? 'ok' : 'error') + '">' + esc(s.chain.summary) + '</span>';
    const task = (t) => [esc(short(t.taskKey)), esc(t.step), esc(t.outcome), esc(t.attempts), esc(t.lastError), new Date(t.updatedAt).toLocaleTimeString()];
    rows(document.getElementById('open'), ['task', 'step', 'outcome', 'attempts', 'last problem', 'updated'], s.openTasks, task);
    rows(document.getElementById('recent'), ['task', 'step', 'outcome', 'attempts', 'last problem', 'updated'], s.recentTasks, task);
    rows(document.getElementById('log'), ['time', 'level', 'message', 'task'], s.log, (l) => [new Date(l.time).toLocaleTimeString(), '<span class="' + esc(l.level) + '">' + esc(l.level) + '</span>', esc(l.message), esc(short(l.taskKey))]);
  } catch (e) {
    document.getElementById('summary').innerHTML = '<span class="error">status API unreachable: ' + esc(e.message) + '</span>';
  }
}
refresh(); setInterval(refresh, 2000);
</script></body></html>`;

/**
 * HTML of the dashboard (`GET /dashboard` with admin access) and of its login form. The page is
 * static; its script (dashboard-script.ts) fills it with recorded metrics.
 */

const WINDOW_BUTTONS = ['5m', '15m', '1h', '6h', '24h']
  .map((name) => `<button type="button" data-window="${name}"${name === '1h' ? ' class="active"' : ''}>${name}</button>`)
  .join('');

const CARDS = [
  ['card-requests', 'Requests'],
  ['card-p95', 'p95 latency'],
  ['card-throughput', 'Throughput'],
  ['card-cache', 'Cache hit rate'],
  ['card-cost', 'Spend'],
  ['card-savings', 'Savings'],
]
  .map(([id, title]) => `<div class="card"><h2>${title}</h2><div class="value" id="${id}">–</div><div class="detail" id="${id}-detail"></div></div>`)
  .join('');

function panel(id: string, title: string, hint: string, extra = ''): string {
  return `<section class="panel"><h2>${title}</h2><p class="hint">${hint}</p><svg class="chart" id="chart-${id}" data-chart="${id}" role="img" aria-label="${title}"></svg>${extra}</section>`;
}

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>slimgate · latency and cost</title>
<link rel="stylesheet" href="/dashboard/app.css">
</head>
<body>
<header>
<h1>slimgate · latency and cost</h1>
<div class="windows">${WINDOW_BUTTONS}</div>
<span class="spacer"></span>
<span id="updated">Loading…</span>
<form method="post" action="/dashboard/logout"><button type="submit">Sign out</button></form>
</header>
<main>
<div class="cards">${CARDS}</div>
<div class="grid">
${panel('latency', 'Latency by model and variant', 'p95 (solid) and p50 (dashed) of total request time', '<div class="legend" id="legend-latency"></div>')}
${panel('throughput', 'Throughput', 'Prompt and completion tokens per second')}
${panel('cache', 'Cache hit rate', 'Exact and semantic hits among cache lookups')}
${panel('batch', 'Batch sizes', 'Requests by the batch size the backend decoded them in')}
${panel('price', 'Cost per million tokens', 'Spend per million prompt and completion tokens, by variant')}
${panel('savings', 'Savings by cause', 'Against the reference variant without cache or batching')}
<section class="panel wide"><h2>Variants</h2>
<table><thead><tr><th>Model</th><th>Variant</th><th>Requests</th><th>p50</th><th>p95</th><th>p95 first token</th><th>$ / 1M tokens</th><th>Replay agreement</th><th>Feedback</th></tr></thead>
<tbody id="variant-rows"></tbody></table></section>
</div>
</main>
<script src="/dashboard/app.js"></script>
</body>
</html>
`;

/** Renders the login form; `error` is shown above the field after a wrong token. */
export function loginHtml(error?: string): string {
  const message = error === undefined ? '' : `<p class="error">${escapeHtml(error)}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>slimgate · sign in</title>
<link rel="stylesheet" href="/dashboard/app.css">
</head>
<body>
<form class="login" method="post" action="/dashboard/login">
<h1>slimgate</h1>
<p>Sign in with the gateway's admin token.</p>
${message}
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The dashboard's browser script, served as `/dashboard/app.js`. It reads
 * `/dashboard/data?window=…` (the same JSON as `GET /admin/metrics`) every 15 seconds and draws
 * each chart as inline SVG. No library and no network access beyond the gateway itself.
 *
 * It is plain ES2020 in a string, so the Worker bundle and Node serve it without a build step.
 */
export const DASHBOARD_SCRIPT = String.raw`
'use strict';
(function () {
  var SVG = 'http://www.w3.org/2000/svg';
  var COLORS = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2', '#dc2626', '#4d7c0f'];
  var REFRESH_MS = 15000;
  var state = { window: '1h', timer: null };

  function el(tag, attributes, parent) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, String(attributes[name])); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(parent, x, y, content, attributes) {
    var node = el('text', Object.assign({ x: x, y: y }, attributes || {}), parent);
    node.textContent = content;
    return node;
  }

  function formatSeconds(value) {
    if (value === null || value === undefined) return '–';
    if (value < 1) return Math.round(value * 1000) + ' ms';
    return value.toFixed(2) + ' s';
  }

  function formatUsd(value) {
    if (value === null || value === undefined) return '–';
    var magnitude = Math.abs(value);
    if (magnitude === 0) return '$0';
    if (magnitude < 0.01) return '$' + value.toPrecision(2);
    return '$' + value.toFixed(2);
  }

  function formatNumber(value, digits) {
    if (value === null || value === undefined) return '–';
    return value.toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 1 : digits });
  }

  function formatTime(ms) {
    var date = new Date(ms);
    return String(date.getHours()).padStart(2, '0') + ':' + String(date.getMinutes()).padStart(2, '0');
  }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    var power = Math.pow(10, Math.floor(Math.log10(value)));
    // Multiples whose quarters are round numbers, for the four grid steps.
    var steps = [1, 2, 4, 6, 8, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= value) return steps[i] * power;
    return 10 * power;
  }

  /** Draws lines of {label, color, dashed, points:[{x: ms, y}]} over the window, into svg. */
  function lineChart(svg, series, options) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var width = 560, height = 220, left = 56, right = 12, top = 12, bottom = 28;
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    var from = options.from, to = options.to;
    var maxY = options.maxY !== undefined ? options.maxY : niceMax(Math.max.apply(null, [0].concat(series.flatMap(function (s) { return s.points.map(function (p) { return p.y; }); }))));
    var x = function (ms) { return left + ((ms - from) / (to - from)) * (width - left - right); };
    var y = function (value) { return top + (1 - value / maxY) * (height - top - bottom); };

    for (var tick = 0; tick <= 4; tick++) {
      var value = (maxY * tick) / 4;
      el('line', { x1: left, x2: width - right, y1: y(value), y2: y(value), class: 'grid' }, svg);
      text(svg, left - 6, y(value) + 4, options.formatY(value), { class: 'axis', 'text-anchor': 'end' });
    }
    for (var t = 0; t <= 4; t++) {
      var ms = from + ((to - from) * t) / 4;
      var anchor = 'middle';
      if (t === 0) anchor = 'start';
      if (t === 4) anchor = 'end';
      text(svg, x(ms), height - 8, formatTime(ms), { class: 'axis', 'text-anchor': anchor });
    }

    var drawn = 0;
    series.forEach(function (line) {
      if (line.points.length === 0) return;
      var path = line.points.map(function (p, index) { return (index === 0 ? 'M' : 'L') + x(p.x).toFixed(1) + ',' + y(p.y).toFixed(1); }).join(' ');
      el('path', { d: path, class: 'line', stroke: line.color, 'stroke-dasharray': line.dashed ? '5 4' : 'none' }, svg);
      line.points.forEach(function (p) {
        var dot = el('circle', { cx: x(p.x), cy: y(p.y), r: 3, fill: line.color, class: 'point' }, svg);
        el('title', {}, dot).textContent = line.label + ' at ' + formatTime(p.x) + ': ' + options.formatY(p.y);
        drawn++;
      });
    });
    if (drawn === 0) text(svg, width / 2, height / 2, 'No requests in this window', { class: 'empty', 'text-anchor': 'middle' });
  }

  /** Draws horizontal bars of {label, value, color} into svg. */
  function barChart(svg, bars, formatValue) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var width = 560, rowHeight = 30, left = 170, right = 90;
    var height = Math.max(60, bars.length * rowHeight + 16);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    var maxValue = niceMax(Math.max.apply(null, [0].concat(bars.map(function (bar) { return Math.abs(bar.value); }))));
    if (bars.length === 0) {
      text(svg, width / 2, height / 2, 'No requests in this window', { class: 'empty', 'text-anchor': 'middle' });
      return;
    }
    bars.forEach(function (bar, index) {
      var rowY = 8 + index * rowHeight;
      var barWidth = (Math.abs(bar.value) / maxValue) * (width - left - right);
      text(svg, left - 8, rowY + 17, bar.label, { class: 'label', 'text-anchor': 'end' });
      var rect = el('rect', { x: left, y: rowY + 4, width: Math.max(barWidth, 1.5), height: rowHeight - 10, rx: 3, fill: bar.value < 0 ? '#dc2626' : bar.color, class: 'bar point' }, svg);
      el('title', {}, rect).textContent = bar.label + ': ' + formatValue(bar.value);
      text(svg, left + Math.max(barWidth, 1.5) + 6, rowY + 17, formatValue(bar.value), { class: 'value' });
    });
  }

  function legend(container, entries) {
    container.textContent = '';
    entries.forEach(function (entry) {
      var item = document.createElement('span');
      item.className = 'legend-item';
      var swatch = document.createElement('i');
      swatch.style.background = entry.color;
      if (entry.dashed) swatch.className = 'dashed';
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(entry.label));
      container.appendChild(item);
    });
  }

  function card(id, value, detail) {
    document.getElementById(id).textContent = value;
    var detailNode = document.getElementById(id + '-detail');
    if (detailNode) detailNode.textContent = detail || '';
  }

  function render(data) {
    var range = { from: data.window.from, to: data.window.to };
    var totals = data.totals;
    var savings = totals.savings.cacheUsd + totals.savings.batchingUsd + totals.savings.compressionUsd;

    card('card-requests', formatNumber(totals.requests, 0), totals.errors + ' errors');
    card('card-p95', formatSeconds(totals.latencyP95Seconds), 'p50 ' + formatSeconds(totals.latencyP50Seconds));
    card('card-throughput', formatNumber(totals.tokensPerSecond, 2) + ' tok/s', formatNumber(totals.promptTokens + totals.completionTokens, 0) + ' tokens in ' + data.window.name);
    card('card-cache', totals.cacheHitRate === null ? '–' : Math.round(totals.cacheHitRate * 100) + '%', 'of cache lookups');
    card('card-cost', formatUsd(totals.spentUsd), totals.usdPerMillionTokens === null ? '' : formatUsd(totals.usdPerMillionTokens) + ' per 1M tokens');
    card('card-savings', formatUsd(savings), 'against ' + formatUsd(totals.baselineUsd) + ' baseline');

    var latencySeries = [];
    var legendEntries = [];
    data.variants.forEach(function (variant, index) {
      var color = COLORS[index % COLORS.length];
      var name = variant.model + ' / ' + variant.variant;
      var p95 = variant.points.filter(function (p) { return p.latencyP95Seconds !== null; }).map(function (p) { return { x: p.time, y: p.latencyP95Seconds }; });
      var p50 = variant.points.filter(function (p) { return p.latencyP50Seconds !== null; }).map(function (p) { return { x: p.time, y: p.latencyP50Seconds }; });
      latencySeries.push({ label: name + ' p95', color: color, dashed: false, points: p95 });
      latencySeries.push({ label: name + ' p50', color: color, dashed: true, points: p50 });
      legendEntries.push({ label: name + ' p95', color: color });
      legendEntries.push({ label: 'p50', color: color, dashed: true });
    });
    lineChart(document.getElementById('chart-latency'), latencySeries, Object.assign({ formatY: formatSeconds }, range));
    legend(document.getElementById('legend-latency'), legendEntries);

    lineChart(document.getElementById('chart-throughput'), [
      { label: 'tokens/s', color: COLORS[2], points: data.points.map(function (p) { return { x: p.time, y: p.tokensPerSecond }; }) },
    ], Object.assign({ formatY: function (v) { return formatNumber(v, 1); } }, range));

    lineChart(document.getElementById('chart-cache'), [
      { label: 'hit rate', color: COLORS[4], points: data.points.filter(function (p) { return p.cacheHitRate !== null; }).map(function (p) { return { x: p.time, y: p.cacheHitRate }; }) },
    ], Object.assign({ formatY: function (v) { return Math.round(v * 100) + '%'; }, maxY: 1 }, range));

    var bounds = data.batchSizes.bounds;
    var batchBars = data.batchSizes.counts.map(function (count, index) {
      var lower = index === 0 ? 1 : bounds[index - 1] + 1;
      var label = lower + '–' + bounds[index];
      if (lower === bounds[index]) label = String(lower);
      if (index === bounds.length) label = '> ' + bounds[bounds.length - 1];
      return { label: 'batch ' + label, value: count, color: COLORS[0] };
    }).filter(function (bar) { return bar.value > 0; });
    barChart(document.getElementById('chart-batch'), batchBars, function (v) { return formatNumber(v, 0) + ' requests'; });

    barChart(document.getElementById('chart-price'), data.variants.filter(function (v) { return v.usdPerMillionTokens !== null; }).map(function (variant, index) {
      return { label: variant.model + ' / ' + variant.variant, value: variant.usdPerMillionTokens, color: COLORS[index % COLORS.length] };
    }), formatUsd);

    barChart(document.getElementById('chart-savings'), [
      { label: 'spent', value: totals.spentUsd, color: '#64748b' },
      { label: 'saved by cache', value: totals.savings.cacheUsd, color: COLORS[4] },
      { label: 'saved by batching', value: totals.savings.batchingUsd, color: COLORS[0] },
      { label: 'saved by compression', value: totals.savings.compressionUsd, color: COLORS[2] },
    ], formatUsd);

    var rows = document.getElementById('variant-rows');
    rows.textContent = '';
    data.variants.forEach(function (variant) {
      var row = document.createElement('tr');
      var quality = variant.quality.replayMean === null ? '–' : formatNumber(variant.quality.replayMean * 100, 1) + '% (' + variant.quality.replayCount + ')';
      var feedback = variant.quality.feedbackMean === null ? '–' : formatNumber(variant.quality.feedbackMean, 2) + ' (' + variant.quality.feedbackCount + ')';
      [variant.model, variant.variant, formatNumber(variant.requests, 0), formatSeconds(variant.latencyP50Seconds), formatSeconds(variant.latencyP95Seconds),
        formatSeconds(variant.firstTokenP95Seconds), formatUsd(variant.usdPerMillionTokens), quality, feedback].forEach(function (value) {
        var cell = document.createElement('td');
        cell.textContent = value;
        row.appendChild(cell);
      });
      rows.appendChild(row);
    });

    document.getElementById('updated').textContent = 'Updated ' + new Date().toLocaleTimeString('en-GB');
    document.body.setAttribute('data-loaded', 'true');
  }

  function load() {
    fetch('/dashboard/data?window=' + encodeURIComponent(state.window), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (response) {
        if (response.status === 401) { window.location.assign('/dashboard'); return null; }
        if (!response.ok) throw new Error('the metrics request failed with HTTP ' + response.status);
        return response.json();
      })
      .then(function (data) { if (data) render(data); })
      .catch(function (error) { document.getElementById('updated').textContent = 'Update failed: ' + error.message; });
  }

  document.querySelectorAll('[data-window]').forEach(function (button) {
    button.addEventListener('click', function () {
      state.window = button.getAttribute('data-window');
      document.querySelectorAll('[data-window]').forEach(function (other) { other.classList.toggle('active', other === button); });
      load();
    });
  });
  load();
  state.timer = setInterval(load, REFRESH_MS);
})();
`;

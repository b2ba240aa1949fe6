/** The dashboard's stylesheet, served as `/dashboard/app.css`. */
export const DASHBOARD_STYLES = `
:root { color-scheme: light; --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --panel: #ffffff; --page: #f1f5f9; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--page); }
header { display: flex; align-items: center; gap: 16px; padding: 14px 28px; background: #0f172a; color: #f8fafc; }
header h1 { font-size: 17px; margin: 0; font-weight: 600; letter-spacing: 0.2px; }
header .spacer { flex: 1; }
header #updated { color: #94a3b8; font-size: 12px; }
.windows { display: flex; gap: 4px; }
.windows button, header form button { border: 1px solid #334155; background: transparent; color: #cbd5e1; padding: 4px 10px; border-radius: 6px; cursor: pointer; font: inherit; font-size: 12px; }
.windows button.active { background: var(--accent); border-color: var(--accent); color: #fff; }
main { padding: 20px 28px 32px; max-width: 1280px; margin: 0 auto; }
.cards { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 12px; margin-bottom: 16px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.card h2 { margin: 0; font-size: 12px; font-weight: 500; color: var(--muted); text-transform: uppercase; letter-spacing: 0.4px; }
.card .value { font-size: 22px; font-weight: 600; margin-top: 4px; font-variant-numeric: tabular-nums; }
.card .detail { font-size: 12px; color: var(--muted); }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px 10px; }
section.panel h2 { margin: 0 0 6px; font-size: 14px; font-weight: 600; }
section.panel p.hint { margin: 0 0 6px; color: var(--muted); font-size: 12px; }
svg.chart { width: 100%; height: auto; display: block; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .axis { fill: var(--muted); font-size: 11px; }
svg .label { fill: var(--ink); font-size: 12px; }
svg .value { fill: var(--muted); font-size: 12px; }
svg .empty { fill: var(--muted); font-size: 13px; }
svg .line { fill: none; stroke-width: 2; stroke-linejoin: round; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); min-height: 18px; }
.legend-item i { display: inline-block; width: 14px; height: 3px; margin-right: 6px; vertical-align: middle; border-radius: 2px; }
.legend-item i.dashed { background-image: linear-gradient(90deg, transparent 50%, #fff 50%) !important; background-size: 6px 3px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); font-size: 13px; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
section.wide { grid-column: 1 / -1; }
.login { max-width: 360px; margin: 12vh auto; background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 28px; }
.login h1 { margin: 0 0 4px; font-size: 20px; }
.login p { color: var(--muted); margin: 0 0 18px; }
.login label { display: block; font-size: 12px; color: var(--muted); margin-bottom: 4px; }
.login input { width: 100%; padding: 9px 10px; border: 1px solid var(--line); border-radius: 8px; font: inherit; }
.login button { margin-top: 14px; width: 100%; padding: 9px; border: 0; border-radius: 8px; background: var(--accent); color: #fff; font: inherit; font-weight: 600; cursor: pointer; }
.login .error { color: #b91c1c; margin: 0 0 12px; }
@media (max-width: 980px) { .cards { grid-template-columns: repeat(3, minmax(0, 1fr)); } .grid { grid-template-columns: 1fr; } }
`;

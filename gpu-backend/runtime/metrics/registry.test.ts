import { describe, expect, it } from 'vitest';

import { CallbackGauge, Counter, Histogram, MetricsRegistry } from './registry.js';

describe('MetricsRegistry', () => {
  it('renders counters with labels', () => {
    const registry = new MetricsRegistry();
    const counter = registry.register(new Counter('requests_total', 'Requests.', ['outcome']));
    counter.inc({ outcome: 'completed' });
    counter.inc({ outcome: 'completed' }, 2);
    counter.inc({ outcome: 'say "hi"\n' });
    expect(registry.render()).toBe(
      '# HELP requests_total Requests.\n# TYPE requests_total counter\n' +
        'requests_total{outcome="completed"} 3\n' +
        'requests_total{outcome="say \\"hi\\"\\n"} 1\n',
    );
  });

  it('renders cumulative histogram buckets', () => {
    const registry = new MetricsRegistry();
    const histogram = registry.register(new Histogram('latency_seconds', 'Latency.', [0.1, 1]));
    for (const value of [0.05, 0.1, 0.5, 3]) histogram.observe(value);
    expect(registry.render().split('\n')).toEqual([
      '# HELP latency_seconds Latency.',
      '# TYPE latency_seconds histogram',
      'latency_seconds_bucket{le="0.1"} 2',
      'latency_seconds_bucket{le="1"} 3',
      'latency_seconds_bucket{le="+Inf"} 4',
      'latency_seconds_sum 3.65',
      'latency_seconds_count 4',
      '',
    ]);
    expect(histogram.get()).toEqual({ sum: 3.65, count: 4 });
  });

  it('reads gauges at render time', () => {
    const registry = new MetricsRegistry();
    let waiting = 1;
    registry.register(new CallbackGauge('waiting', 'Waiting.', () => waiting));
    waiting = 7;
    expect(registry.render()).toContain('\nwaiting 7\n');
  });

  it('rejects bad input', () => {
    const registry = new MetricsRegistry();
    const counter = registry.register(new Counter('a_total', 'A.', ['kind']));
    expect(() => registry.register(new Counter('a_total', 'A.'))).toThrow(/already registered/);
    expect(() => counter.inc({})).toThrow(/missing label kind/);
    expect(() => counter.inc({ kind: 'x' }, -1)).toThrow(/cannot decrease/);
    expect(() => new Histogram('h', 'H.', [1, 1])).toThrow(/increase strictly/);
  });
});

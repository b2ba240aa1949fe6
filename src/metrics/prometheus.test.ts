import { describe, expect, it } from 'vitest';

import { observe, SECONDS_BUCKETS } from './histogram.js';
import { renderPrometheus } from './prometheus.js';
import { emptyAggregate } from './series-aggregate.js';

describe('renderPrometheus', () => {
  it('writes cumulative buckets with sum and count', () => {
    const aggregate = emptyAggregate({ tenant: 't', model: 'm', variant: 'v', backend: 'b', route: '/v1/completions' });
    aggregate.requests = 2;
    observe(aggregate.duration, SECONDS_BUCKETS, 0.2);
    observe(aggregate.duration, SECONDS_BUCKETS, 3);

    const text = renderPrometheus([aggregate]);
    const labels = 'tenant="t",model="m",variant="v",backend="b",route="/v1/completions"';

    expect(text).toContain(`slimgate_requests_total{${labels}} 2\n`);
    expect(text).toContain(`slimgate_request_duration_seconds_bucket{${labels},le="0.25"} 1\n`);
    expect(text).toContain(`slimgate_request_duration_seconds_bucket{${labels},le="5"} 2\n`);
    expect(text).toContain(`slimgate_request_duration_seconds_bucket{${labels},le="+Inf"} 2\n`);
    expect(text).toContain(`slimgate_request_duration_seconds_sum{${labels}} 3.2\n`);
    expect(text).toContain(`slimgate_request_duration_seconds_count{${labels}} 2\n`);
  });

  it('escapes label values', () => {
    const aggregate = emptyAggregate({ tenant: 'a"b\\c\nd', model: 'm', variant: 'v', backend: 'b', route: 'r' });

    expect(renderPrometheus([aggregate])).toContain('tenant="a\\"b\\\\c\\nd"');
  });

  it('declares each metric once without series', () => {
    const text = renderPrometheus([]);

    expect(text.match(/# TYPE slimgate_request_duration_seconds histogram/g)).toHaveLength(1);
    expect(text).not.toMatch(/^slimgate_/m);
  });
});

// Types `env` and `exports` from `cloudflare:workers` (and `cloudflare:test`) for the gateway.
import type { GatewayBindings } from './bindings.js';

declare global {
  namespace Cloudflare {
    interface Env extends GatewayBindings {
      /** Durable Object holding API key records (edge/tenant-object.ts). */
      TENANTS: DurableObjectNamespace<import('./tenant-object.js').TenantObject>;
      /** Durable Objects counting rate limits and spend, one per key (edge/rate-limiter-object.ts). */
      RATE_LIMITERS: DurableObjectNamespace<import('./rate-limiter-object.js').RateLimiterObject>;
      /** Durable Object aggregating request metrics of every isolate (edge/metrics-object.ts). */
      METRICS: DurableObjectNamespace<import('./metrics-object.js').MetricsObject>;
      /** Coalescing coordinators, one per flight key (edge/coalescer-object.ts). */
      COALESCERS: DurableObjectNamespace<import('./coalescer-object.js').CoalescerObject>;
      /** Dynamic batchers, one per batched backend (edge/batcher-object.ts). */
      BATCHERS: DurableObjectNamespace<import('./batcher-object.js').BatcherObject>;
    }
    interface GlobalProps {
      mainModule: typeof import('./worker.js');
    }
  }
}

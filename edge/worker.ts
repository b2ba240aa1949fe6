/**
 * Worker entry of the edge gateway (`wrangler dev`, `wrangler deploy`).
 *
 * The app is built when the module loads, from the bindings in `cloudflare:workers`, so an invalid
 * `[vars]` configuration stops the Worker at startup with the list of problems instead of
 * failing on each request.
 */

import { env } from 'cloudflare:workers';

import edgeDataBase64 from '../.cache/edge-data/semantic-data.js';
import { buildResultCacheLayerOptions } from '../src/cache/build-layer-options.js';
import { edgeSemanticMatcher } from '../src/cache/edge-semantic-matcher.js';
import { submitToBatcherObject } from '../src/batching/batcher-protocol.js';
import { createGateway } from '../src/gateway/create-gateway.js';
import { readGatewaySettings } from '../src/gateway/settings.js';
import { createJsonLogger } from '../src/log/logger.js';
import { readObservabilitySettings } from '../src/metrics/observability-settings.js';
import type { GatewayBindings } from './bindings.js';
import { DurableObjectMetricsStore } from './metrics-object.js';
import { DurableObjectUsageStore } from './rate-limiter-object.js';
import { DurableObjectKeyStore } from './tenant-object.js';

export { BatcherObject } from './batcher-object.js';
export { CoalescerObject } from './coalescer-object.js';
export { RateLimiterObject } from './rate-limiter-object.js';
export { TenantObject } from './tenant-object.js';
export { MetricsObject } from './metrics-object.js';

const settings = readGatewaySettings(env satisfies GatewayBindings);
const logger = createJsonLogger({ level: settings.logLevel, bindings: { service: 'gateway' } });
const observability = readObservabilitySettings(env);
if (settings.cache.mode === 'semantic' && edgeDataBase64 === '') {
  logger.warn({ resultCache: 'semantic' }, 'the Worker was built without semantic cache data (see scripts/build-edge-data.ts); serving the exact cache only');
}
const app = createGateway({
  ...settings,
  logger,
  tenancy: { ...settings.tenancy, keyStore: new DurableObjectKeyStore(env.TENANTS), usageStore: new DurableObjectUsageStore(env.RATE_LIMITERS) },
  resultCache: buildResultCacheLayerOptions(
    settings.cache,
    settings.backends,
    {
      sharedCache: caches.default,
      coalescingCoordinatorFor: (key) => env.COALESCERS.get(env.COALESCERS.idFromName(key)),
      // Stubs are made per request: workerd forbids creating them while the module loads.
      batcherFor: (backend, limits) => (request) => submitToBatcherObject(env.BATCHERS.get(env.BATCHERS.idFromName(backend.name)), backend, limits)(request),
      // The tables come bundled (scripts/build-edge-data.ts) and are decoded on first use, once per isolate.
      ...(settings.cache.mode === 'semantic' && edgeDataBase64 !== '' ? { semanticMatcher: edgeSemanticMatcher(edgeDataBase64, settings.cache.semanticThreshold) } : {}),
    },
    logger,
  ),
  observability: { ...observability, store: new DurableObjectMetricsStore(env.METRICS) },
});

export default {
  fetch: (request, bindings, context) => app.fetch(request, bindings, context),
} satisfies ExportedHandler<GatewayBindings>;

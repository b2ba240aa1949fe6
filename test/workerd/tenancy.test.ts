/** The tenancy scenarios inside workerd, with the Worker's Durable Object key and usage stores. */

import { env } from 'cloudflare:workers';

import { DurableObjectUsageStore } from '../../edge/rate-limiter-object.js';
import { DurableObjectKeyStore } from '../../edge/tenant-object.js';
import { describeTenancy } from './tenancy-scenarios.js';

describeTenancy('tenancy with Durable Objects', () => ({
  keyStore: new DurableObjectKeyStore(env.TENANTS),
  usageStore: new DurableObjectUsageStore(env.RATE_LIMITERS),
}));

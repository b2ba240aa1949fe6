/** The tenancy scenarios with the Node gateway's in-process key and usage stores. */

import { MemoryKeyStore } from '../../src/tenancy/memory-key-store.js';
import { MemoryUsageStore } from '../../src/tenancy/usage-store.js';
import { describeTenancy } from '../workerd/tenancy-scenarios.js';

describeTenancy('tenancy with in-process stores', () => ({ keyStore: new MemoryKeyStore(), usageStore: new MemoryUsageStore() }));

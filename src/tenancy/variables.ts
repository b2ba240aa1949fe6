/** Hono context variables set by the auth middleware. */

import type { ApiKeyRecord, Tenant } from './types.js';

export interface TenancyVariables {
  /** The tenant making the request; `{ id: 'anonymous' }` when authentication is off. */
  tenant: Tenant;
  /** The API key used, or undefined when authentication is off. */
  apiKey: ApiKeyRecord | undefined;
}

/** Tenant id of every request when authentication is off. */
export const ANONYMOUS_TENANT: Tenant = Object.freeze({ id: 'anonymous' });

/**
 * The tenant that a request belongs to, for keys of shared state such as the result cache.
 */

import type { Context } from 'hono';

import type { Tenant } from '../tenancy/types.js';
import { ANONYMOUS_TENANT } from '../tenancy/variables.js';

/** Hono variables read by {@link tenantIdOf}; the auth middleware sets `tenant`. */
export interface TenantVariables {
  tenant?: Tenant;
}

/** Returns the id of the request's tenant, or `anonymous` when no auth middleware ran. */
export function tenantIdOf(c: Context<{ Variables: TenantVariables }>): string {
  return c.get('tenant')?.id ?? ANONYMOUS_TENANT.id;
}

/**
 * Bindings of the gateway Worker: wrangler `[vars]`, overridable with `wrangler dev --var`.
 * src/gateway/settings.ts documents each variable.
 */
export interface GatewayBindings {
  /** JSON array of backends, as a string or as a TOML array that wrangler passes parsed. */
  BACKENDS: string | readonly unknown[];
  MAX_BODY_BYTES?: string;
  FIRST_BYTE_TIMEOUT_MS?: string;
  LOG_LEVEL?: string;
}

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
  /** `on` requires a virtual API key on /v1 routes. */
  AUTH?: string;
  /** Secret (`wrangler secret put ADMIN_TOKEN`): bearer token of the admin API. */
  ADMIN_TOKEN?: string;
  /** Secret: server key for HMAC-SHA-256 API key hashes. */
  KEY_HASH_SECRET?: string;
  /** JSON price table, US dollars per million tokens per model. */
  PRICES?: string;
  MAX_MESSAGES?: string;
  MAX_TOKENS?: string;
  MAX_PROMPT_CHARS?: string;
  RETRY_MAX_ATTEMPTS?: string;
  RETRY_BASE_DELAY_MS?: string;
  RETRY_MAX_DELAY_MS?: string;
  TOTAL_TIMEOUT_MS?: string;
  CIRCUIT_FAILURE_THRESHOLD?: string;
  CIRCUIT_COOL_DOWN_MS?: string;
  /** JSON hardware and edge prices of the cost model (src/cost/prices.ts). */
  COST_MODEL?: string;
  /** JSON latency objective, quality floor and replay share per model (src/variants/variant-policy.ts). */
  VARIANT_POLICY?: string;
  /** Result cache, coalescing and batching settings (src/cache/settings.ts). */
  RESULT_CACHE?: string;
  CACHE_MAX_BYTES?: string;
  CACHE_TTL_SECONDS?: string;
  CACHE_MAX_TTL_SECONDS?: string;
  SEMANTIC_CACHE_MAX_ENTRIES?: string;
  SEMANTIC_CACHE_THRESHOLD?: string;
  COALESCING?: string;
  COALESCING_MAX_BUFFER_BYTES?: string;
  /** JSON object from backend name to {maxBatchSize, maxDelayMs, maxInFlightBatches}. */
  BATCHING?: string;
}

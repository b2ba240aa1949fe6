import type { ErrorObject } from 'ajv';

/**
 * A validation function emitted by Ajv's standalone code generation: it returns whether `data`
 * is valid and, when it is not, leaves the reasons in `errors` until the next call.
 */
export interface StandaloneValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** Reads a request body as JSON for the gateway's own JSON routes (admin keys, feedback). */

import { invalidRequest } from './errors.js';

/** Parses the body of `request`, throwing a 400 `invalid_request_error` with code `invalid_json` when it is not valid JSON. */
export async function readJsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw invalidRequest(`The request body is not valid JSON (${error.message}).`, null, 'invalid_json');
  }
}

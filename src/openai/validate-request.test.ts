import { describe, expect, it } from 'vitest';

import { ApiError } from './errors.js';
import type { GenerationEndpoint } from './request-types.js';
import { validateGenerationRequest } from './validate-request.js';

const USER_MESSAGE = { role: 'user', content: 'Tell me a story.' };

function rejection(endpoint: GenerationEndpoint, body: unknown): ApiError {
  try {
    validateGenerationRequest(endpoint, body);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error(`Expected ${JSON.stringify(body)} to be rejected.`);
}

describe('validateGenerationRequest', () => {
  it('accepts a valid completion request', () => {
    const body = { model: 'stories260K', prompt: 'Once upon a time', max_tokens: 16, temperature: 0, stream: false };

    expect(validateGenerationRequest('completions', body)).toBe(body);
  });

  it('accepts a valid chat request', () => {
    const body = { model: 'stories260K', messages: [{ role: 'system', content: 'Be brief.' }, USER_MESSAGE], stream: true, stream_options: { include_usage: true } };

    expect(validateGenerationRequest('chat.completions', body)).toBe(body);
  });

  it('reports decimal limits with decimal codes', () => {
    const error = rejection('completions', { model: 'm', prompt: 'x', temperature: 2.5 });

    expect(error.status).toBe(400);
    expect(error.param).toBe('temperature');
    expect(error.code).toBe('decimal_above_max_value');
  });

  it('rejects a null model as a type error', () => {
    const error = rejection('completions', { model: null, prompt: 'x' });

    expect(error.param).toBe('model');
    expect(error.code).toBe('invalid_type');
    expect(error.message).not.toContain('davinci');
  });

  it('accepts unknown extra parameters', () => {
    const body = { model: 'm', prompt: 'x', top_k: 40 };

    expect(validateGenerationRequest('completions', body)).toBe(body);
  });

  it('rejects a non-object body', () => {
    for (const body of [null, [], 'text', 3]) {
      const error = rejection('completions', body);
      expect(error.status).toBe(400);
      expect(error.param).toBeNull();
      expect(error.message).toBe('The request body must be a JSON object.');
    }
  });

  // Each case: endpoint, body, expected param, expected message (exact or pattern).
  const cases: [string, GenerationEndpoint, Record<string, unknown>, string, string | RegExp][] = [
    ['missing model', 'completions', { prompt: 'x' }, 'model', "Missing required parameter: 'model'."],
    ['missing prompt', 'completions', { model: 'm' }, 'prompt', "Missing required parameter: 'prompt'."],
    ['missing chat model', 'chat.completions', { messages: [USER_MESSAGE] }, 'model', "Missing required parameter: 'model'."],
    ['empty model', 'completions', { model: ' ', prompt: 'x' }, 'model', "Invalid 'model': the model name must not be empty."],
    [
      'negative max_tokens',
      'completions',
      { model: 'm', prompt: 'x', max_tokens: -1 },
      'max_tokens',
      "Invalid 'max_tokens': -1 is below the minimum value; expected a value >= 0.",
    ],
    [
      'negative chat max_tokens',
      'chat.completions',
      { model: 'm', messages: [USER_MESSAGE], max_tokens: -3 },
      'max_tokens',
      "Invalid 'max_tokens': -3 is below the minimum value; expected a value >= 1.",
    ],
    ['zero max_completion_tokens', 'chat.completions', { model: 'm', messages: [USER_MESSAGE], max_completion_tokens: 0 }, 'max_completion_tokens', /expected a value >= 1/],
    [
      'string max_tokens',
      'completions',
      { model: 'm', prompt: 'x', max_tokens: '16' },
      'max_tokens',
      "Invalid type for 'max_tokens': expected integer, but got string instead.",
    ],
    ['fractional max_tokens', 'completions', { model: 'm', prompt: 'x', max_tokens: 1.5 }, 'max_tokens', /expected integer, but got number/],
    ['temperature too high', 'completions', { model: 'm', prompt: 'x', temperature: 3 }, 'temperature', /3 is above the maximum value; expected a value <= 2/],
    ['prompt of wrong type', 'completions', { model: 'm', prompt: 42 }, 'prompt', "Invalid type for 'prompt': expected string or array, but got integer instead."],
    ['stop of wrong type', 'completions', { model: 'm', prompt: 'x', stop: 5 }, 'stop', /expected string or array, but got integer/],
    ['empty messages', 'chat.completions', { model: 'm', messages: [] }, 'messages', "Invalid 'messages': expected an array with at least 1 item(s), but got 0."],
    ['unknown role', 'chat.completions', { model: 'm', messages: [{ role: 'robot', content: 'hi' }] }, 'messages[0].role', "Invalid value for 'messages[0].role': 'robot' is not supported."],
    ['missing role', 'chat.completions', { model: 'm', messages: [{ content: 'hi' }] }, 'messages[0].role', "Invalid 'messages[0]': 'messages[0].role' is missing."],
    ['missing content', 'chat.completions', { model: 'm', messages: [USER_MESSAGE, { role: 'user' }] }, 'messages[1].content', "Missing required parameter: 'messages[1].content'."],
    ['content of wrong type', 'chat.completions', { model: 'm', messages: [{ role: 'user', content: 7 }] }, 'messages[0].content', /expected string or array, but got integer/],
    [
      'invalid image URL',
      'chat.completions',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'not a url' } }] }] },
      'messages[0].content[0].image_url.url',
      "Invalid 'messages[0].content[0].image_url.url': expected a valid uri.",
    ],
    [
      'unknown response format',
      'chat.completions',
      { model: 'm', messages: [USER_MESSAGE], response_format: { type: 'yaml' } },
      'response_format.type',
      "Invalid value for 'response_format.type': 'yaml' is not supported.",
    ],
    [
      'function tool without name',
      'chat.completions',
      { model: 'm', messages: [USER_MESSAGE], tools: [{ type: 'function', function: {} }] },
      'tools[0].function.name',
      "Missing required parameter: 'tools[0].function.name'.",
    ],
    [
      'invalid reasoning effort',
      'chat.completions',
      { model: 'm', messages: [USER_MESSAGE], reasoning_effort: 'extreme' },
      'reasoning_effort',
      /^Invalid value for 'reasoning_effort': 'extreme'\. Supported values are: .*'low'/,
    ],
    ['stream_options without stream', 'completions', { model: 'm', prompt: 'x', stream_options: { include_usage: true } }, 'stream_options', /only allowed when 'stream' is true/],
    ['top_logprobs without logprobs', 'chat.completions', { model: 'm', messages: [USER_MESSAGE], top_logprobs: 2 }, 'top_logprobs', /only allowed when 'logprobs' is true/],
    ['best_of below n', 'completions', { model: 'm', prompt: 'x', n: 3, best_of: 2 }, 'best_of', /best_of must be >= n/],
    ['best_of with stream', 'completions', { model: 'm', prompt: 'x', best_of: 2, stream: true }, 'best_of', /cannot be combined with 'stream': true/],
    ['zero best_of', 'completions', { model: 'm', prompt: 'x', best_of: 0 }, 'best_of', /expected a value >= 1/],
  ];

  it.each(cases)('rejects %s', (_name, endpoint, body, param, message) => {
    const error = rejection(endpoint, body);

    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(error.param).toBe(param);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });
});

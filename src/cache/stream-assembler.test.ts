import { describe, expect, it } from 'vitest';

import { validateCreateChatCompletionResponse, validateCreateChatCompletionStreamResponse } from '../openai/generated/response-validators.js';
import type { ChatCompletion } from './completion-types.js';
import { replayChunks } from './replay-stream.js';
import { CompletionStreamAssembler, UnassemblableStreamError } from './stream-assembler.js';

const header = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'm' };

const USAGE = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

describe('CompletionStreamAssembler', () => {
  it('merges tool call deltas', () => {
    const assembler = new CompletionStreamAssembler('chat.completions');
    assembler.add({ ...header, choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"q":' } }] }, finish_reason: null }] });
    assembler.add({ ...header, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'up', arguments: '"cat"}' } }] }, finish_reason: 'tool_calls' }] });
    assembler.add({ ...header, choices: [], usage: USAGE });

    const completion = assembler.finish() as ChatCompletion;

    expect(completion.choices[0]?.message.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } }]);
    expect(validateCreateChatCompletionResponse(completion)).toBe(true);
  });

  it('replays tool calls as valid chunks', () => {
    const assembler = new CompletionStreamAssembler('chat.completions');
    assembler.add({ ...header, choices: [{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'tool_calls' }] });
    assembler.add({ ...header, choices: [], usage: USAGE });

    const chunks = replayChunks('chat.completions', assembler.finish(), { includeUsage: false });

    for (const chunk of chunks) expect(validateCreateChatCompletionStreamResponse(chunk), JSON.stringify(chunk)).toBe(true);
  });

  it('rejects a stream without usage', () => {
    const assembler = new CompletionStreamAssembler('chat.completions');
    assembler.add({ ...header, choices: [{ index: 0, delta: { role: 'assistant', content: 'done' }, finish_reason: 'stop' }] });

    expect(() => assembler.finish()).toThrow(/no usage/);
  });

  it('rejects an unfinished choice', () => {
    const assembler = new CompletionStreamAssembler('chat.completions');
    assembler.add({ ...header, choices: [{ index: 0, delta: { content: 'cut' }, finish_reason: null }] });

    expect(() => assembler.finish()).toThrow(UnassemblableStreamError);
  });

  it('rejects an error event', () => {
    const assembler = new CompletionStreamAssembler('completions');
    expect(() => assembler.add({ error: { message: 'failed' } })).toThrow(UnassemblableStreamError);
  });
});

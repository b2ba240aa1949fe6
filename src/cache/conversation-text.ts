/**
 * The text that the semantic cache embeds for a request: the whole conversation, so two chats
 * with the same last message but different history do not match.
 */

import type { ChatCompletionRequest, CompletionRequest, GenerationEndpoint } from '../openai/request-types.js';

/**
 * Returns one `role: content` line per chat message (tool calls as JSON), or the completion
 * prompt. Returns undefined for a prompt of token ids, which has no text to embed.
 */
export function conversationText(endpoint: GenerationEndpoint, request: CompletionRequest | ChatCompletionRequest): string | undefined {
  if (endpoint === 'completions') {
    const { prompt } = request as CompletionRequest;
    if (typeof prompt === 'string') return prompt;
    if (Array.isArray(prompt) && prompt.every((part) => typeof part === 'string')) return (prompt as string[]).join('\n');
    return undefined;
  }

  const lines: string[] = [];
  for (const message of (request as ChatCompletionRequest).messages) {
    let line = `${message.role}: ${contentText(message.content)}`;
    if (message.tool_calls !== undefined) line += ` ${JSON.stringify(message.tool_calls)}`;
    lines.push(line);
  }
  return lines.join('\n');
}

/** Message content is a string or an array of parts; text parts are joined, others kept as JSON. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content === null || content === undefined ? '' : JSON.stringify(content);

  return content
    .map((part: { type?: unknown; text?: unknown }) => (part?.type === 'text' && typeof part.text === 'string' ? part.text : JSON.stringify(part)))
    .join('\n');
}

/**
 * The prompt template that turns chat messages into text for a base (non-chat) model.
 *
 * Base models such as stories260K were never trained on a chat format, so the template is plain
 * text that a story model can continue: one line per message, `Role: content`, then a final
 * `Assistant:` for the model to complete. `system` and `developer` messages both render as
 * `System:`. For example
 *
 * ```text
 * System: You tell short stories.
 * User: Tell me about a cat.
 * Assistant: Once upon a time, there was a cat.
 * User: And then?
 * Assistant:
 * ```
 *
 * Generation also stops at {@link CHAT_STOP_SEQUENCES}, so the model does not write the user's
 * next turn, and the reply's leading whitespace (the space after `Assistant:`) is dropped.
 */

import { invalidRequest } from '../../src/openai/errors.js';

const ROLE_LABELS: Record<string, string> = {
  system: 'System',
  developer: 'System',
  user: 'User',
  assistant: 'Assistant',
};

/** Stop sequences added to every chat request: the start of a new user or system turn. */
export const CHAT_STOP_SEQUENCES: readonly string[] = ['\nUser:', '\nSystem:'];

/** Renders the messages of a chat request; throws a 400 error for roles or content it cannot render. */
export function renderChatPrompt(messages: readonly Record<string, unknown>[]): string {
  const lines = messages.map((message, index) => {
    const role = String(message.role);
    const label = ROLE_LABELS[role];
    if (label === undefined) {
      throw invalidRequest(
        `Unsupported value for 'messages[${index}].role': '${role}'. This backend renders only system, developer, user and assistant messages.`,
        `messages[${index}].role`,
        'unsupported_value',
      );
    }
    return `${label}: ${messageText(message, index)}`;
  });

  lines.push('Assistant:');
  return lines.join('\n');
}

/** Returns a message's text: a string, or the concatenated `text` parts of a content array. */
function messageText(message: Record<string, unknown>, index: number): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) {
    throw invalidRequest(`Invalid 'messages[${index}].content': expected a string or an array of text parts, but got ${JSON.stringify(content)}.`, `messages[${index}].content`, 'invalid_value');
  }

  const parts = content as { type?: unknown; text?: unknown }[];
  return parts
    .map((part, partIndex) => {
      if (part.type === 'text' && typeof part.text === 'string') return part.text;
      throw invalidRequest(
        `Unsupported content part type '${String(part.type)}' in 'messages[${index}].content[${partIndex}]': this backend accepts text parts only.`,
        `messages[${index}].content[${partIndex}].type`,
        'unsupported_value',
      );
    })
    .join('');
}

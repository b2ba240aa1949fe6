/**
 * Test helpers for server-sent event responses: splits `data:` events and checks the framing
 * that OpenAI clients rely on.
 */

/** Reads a whole `text/event-stream` body; returns the parsed JSON events and whether it ended with `[DONE]`. */
export async function readEvents(response: Response): Promise<{ events: Record<string, unknown>[]; done: boolean }> {
  const text = await response.text();
  if (!text.endsWith('\n\n')) throw new Error(`event stream does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);

  const blocks = text.slice(0, -2).split('\n\n');
  const events: Record<string, unknown>[] = [];
  let done = false;
  for (const block of blocks) {
    if (!block.startsWith('data: ') || block.includes('\n')) throw new Error(`malformed event ${JSON.stringify(block)}`);
    const data = block.slice('data: '.length);
    if (done) throw new Error(`event after [DONE]: ${data}`);
    if (data === '[DONE]') done = true;
    else events.push(JSON.parse(data) as Record<string, unknown>);
  }
  return { events, done };
}

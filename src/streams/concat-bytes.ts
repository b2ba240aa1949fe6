/**
 * Joining of body chunks read whole.
 */

/** Returns the bytes of `chunks` in order in one array; `byteLength`, when known, saves summing them. */
export function concatBytes(chunks: readonly Uint8Array[], byteLength = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0)): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(byteLength);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

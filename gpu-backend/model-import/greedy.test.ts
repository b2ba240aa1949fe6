/**
 * Acceptance: greedy decoding of the imported models through onnxruntime-node reproduces run.c's
 * output byte for byte (stories260K) and babyllama's known continuation.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLlama2c } from './import.js';
import { Llama2cBpe, readLlama2cTokenizer } from './llama2c-tokenizer.js';
import { greedyGenerate, type DecoderShape } from './ort-harness.js';

const SHARED = new URL('../../../shared/models/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'slimgate-greedy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Loaded {
  session: ort.InferenceSession;
  tokenizer: Tokenizer;
  shape: DecoderShape;
  bpe: Llama2cBpe;
}

async function importAndLoad(modelId: string, checkpoint: string, tokenizerBin: string): Promise<Loaded> {
  const outDir = join(tmp, modelId);
  const { config } = await importLlama2c({ checkpointPath: checkpoint, tokenizerPath: tokenizerBin, outDir, modelId });
  const tokenizer = new Tokenizer(
    JSON.parse(readFileSync(join(outDir, 'tokenizer.json'), 'utf8')),
    JSON.parse(readFileSync(join(outDir, 'tokenizer_config.json'), 'utf8')),
  );
  const session = await ort.InferenceSession.create(join(outDir, 'onnx', 'model.onnx'));
  return {
    session,
    tokenizer,
    shape: { numLayers: config.num_hidden_layers, numKvHeads: config.num_key_value_heads, headDim: config.head_dim, vocabSize: config.vocab_size },
    bpe: new Llama2cBpe(readLlama2cTokenizer(tokenizerBin, config.vocab_size)),
  };
}

/** Greedy generation as run.c does it: prompt encoded with BOS, 256 positions, run.c's printing. */
async function runC(m: Loaded, prompt: string, steps = 256): Promise<{ printed: Buffer; tokens: number[] }> {
  const promptTokens = m.tokenizer.encode(prompt).ids;
  expect(promptTokens).toEqual(m.bpe.encode(prompt));
  const tokens = await greedyGenerate(m.session, m.shape, promptTokens, steps);
  return { printed: Buffer.from(m.bpe.renderGeneration(tokens)), tokens };
}

describe('greedy decoding matches llama2.c run.c', () => {
  let stories: Loaded;
  beforeAll(async () => {
    stories = await importAndLoad('stories260K', `${SHARED}/stories260K/stories260K.bin`, `${SHARED}/stories260K/tok512.bin`);
  });

  it('stories260K, prompt "Once upon a time", 256 steps', async () => {
    const expected = readFileSync(`${SHARED}/stories260K/greedy-once-upon-a-time-256.txt`);
    const { printed, tokens } = await runC(stories, 'Once upon a time');
    expect(printed.toString('utf8')).toBe(expected.toString('utf8'));
    expect(Buffer.compare(printed, expected)).toBe(0);
    expect(tokens).toHaveLength(257); // BOS + 256 printed tokens
    // The Hugging Face decoder gives the same text.
    expect(`${stories.tokenizer.decode(tokens, { skip_special_tokens: true })}\n`).toBe(expected.toString('utf8'));
  });

  it('stories260K, empty prompt, 256 steps', async () => {
    const expected = readFileSync(`${SHARED}/stories260K/greedy-empty-prompt-256.txt`);
    const { printed, tokens } = await runC(stories, '');
    expect(Buffer.compare(printed, expected)).toBe(0);
    expect(`${stories.tokenizer.decode(tokens, { skip_special_tokens: true })}\n`).toBe(expected.toString('utf8'));
  });

  it('babyllama-tok105 continues "Once upon a time" as documented', async () => {
    const baby = await importAndLoad('babyllama', `${SHARED}/babyllama-tok105/model.bin`, `${SHARED}/babyllama-tok105/tok105.bin`);
    const { printed } = await runC(baby, 'Once upon a time');
    expect(printed.toString('utf8').startsWith('Once upon a time, there was a little girl named Lily. She loved to play outside in the sunshine.')).toBe(
      true,
    );
  }, 30_000);
});

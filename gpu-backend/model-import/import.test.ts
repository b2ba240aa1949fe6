import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogFields } from '../../src/log/logger.js';
import { loadModel, readModel, sha256File, writeModel } from '../onnx/model-io.js';
import { DataLocation } from '../onnx/types.js';
import { importLlama2c, type SlimgateProvenance } from './import.js';
import { CheckpointFormatError } from './llama2c.js';

const SHARED = new URL('../../../shared/models/', import.meta.url).pathname;
const REPO = new URL('../../', import.meta.url).pathname;
const CKPT = `${SHARED}/stories260K/stories260K.bin`;
const TOK = `${SHARED}/stories260K/tok512.bin`;
const tmp = mkdtempSync(join(tmpdir(), 'slimgate-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('importLlama2c', () => {
  it('writes a Hugging Face-style folder with provenance', async () => {
    const lines: LogFields[] = [];
    const record = (fields: LogFields, msg?: string): void => void lines.push({ ...fields, msg });
    const logger = { debug: record, info: record, warn: record, error: record, child: () => logger };
    const outDir = join(tmp, 'models', 'stories260K');
    const result = await importLlama2c({ checkpointPath: CKPT, tokenizerPath: TOK, outDir, modelId: 'stories260K', logger });
    expect(result.outDir).toBe(outDir);
    expect(readdirSync(outDir).sort()).toEqual(
      ['config.json', 'generation_config.json', 'onnx', 'slimgate.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    expect(readdirSync(join(outDir, 'onnx'))).toEqual(['model.onnx']);
    expect(readdirSync(join(tmp, 'models'))).toEqual(['stories260K']); // no temp folder left

    expect(readJson(join(outDir, 'config.json'))).toMatchObject({
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      hidden_size: 64,
      intermediate_size: 172,
      num_hidden_layers: 5,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      vocab_size: 512,
      max_position_embeddings: 512,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      bos_token_id: 1,
      eos_token_id: 2,
      tie_word_embeddings: true,
      torch_dtype: 'float32',
    });
    expect(readJson(join(outDir, 'generation_config.json'))).toMatchObject({ bos_token_id: 1, eos_token_id: [2, 1] });
    expect(readJson(join(outDir, 'tokenizer_config.json'))).toMatchObject({ bos_token: '<s>', eos_token: '</s>', add_bos_token: true });

    const provenance = readJson(join(outDir, 'slimgate.json')) as unknown as SlimgateProvenance;
    expect(provenance.modelId).toBe('stories260K');
    expect(provenance.source.checkpoint).toEqual({
      file: 'stories260K.bin',
      sha256: 'b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696',
      bytes: 1056540,
    });
    expect(provenance.source.tokenizer.sha256).toBe('037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312');
    for (const [rel, sum] of Object.entries(provenance.files)) expect(sha256File(join(outDir, rel))).toBe(sum);
    expect(provenance.onnx.inputs.slice(0, 4)).toEqual(['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key']);
    expect(provenance.onnx.outputs.slice(0, 3)).toEqual(['logits', 'present.0.key', 'present.0.value']);

    // The tokenizer loads in @huggingface/tokenizers.
    const tokenizer = new Tokenizer(readJson(join(outDir, 'tokenizer.json')), readJson(join(outDir, 'tokenizer_config.json')));
    expect(tokenizer.encode('Once upon a time').ids[0]).toBe(1);

    // The graph: named [in, out] MatMul weights, dynamic axes, and a byte-stable round trip.
    const bytes = readFileSync(join(outDir, 'onnx', 'model.onnx'));
    const model = readModel(bytes);
    expect(Buffer.compare(Buffer.from(writeModel(model)), bytes)).toBe(0);
    expect(model.opsetImport).toEqual([{ domain: '', version: 21 }]);
    expect(model.irVersion).toBe(10);
    const inits = new Map(model.graph!.initializer!.map((t) => [t.name, t]));
    expect(inits.get('model.layers.0.self_attn.q_proj.weight')!.dims).toEqual([64, 64]);
    expect(inits.get('model.layers.4.self_attn.k_proj.weight')!.dims).toEqual([64, 32]);
    expect(inits.get('model.layers.0.mlp.down_proj.weight')!.dims).toEqual([172, 64]);
    expect(inits.get('lm_head.weight')!.dims).toEqual([64, 512]);
    expect(inits.get('model.embed_tokens.weight')!.dims).toEqual([512, 64]);
    const matmulWeights = model.graph!.node!.filter((n) => n.opType === 'MatMul' && inits.has(n.input![1]!)).map((n) => n.input![1]!);
    // Seven projections per layer and lm_head; the rotary MatMuls (two per layer) share one constant.
    expect(matmulWeights.filter((name) => !name.includes('rotary'))).toHaveLength(5 * 7 + 1);
    expect(new Set(matmulWeights.filter((name) => name.includes('rotary')))).toEqual(new Set(['const_f32_rotary_rotate_half']));
    const inputIds = model.graph!.input![0]!;
    expect(inputIds.type!.tensorType!.shape!.dim).toEqual([{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }]);
    const session = await ort.InferenceSession.create(join(outDir, 'onnx', 'model.onnx'));
    expect(session.inputNames).toContain('past_key_values.4.value');
    expect(session.outputNames).toContain('present.4.value');

    const messages = lines.map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['import started', 'checkpoint read', 'tokenizer converted', 'onnx model written', 'import finished']));
  });

  it('writes external data when forced, with identical outputs', async () => {
    const inlineDir = join(tmp, 'inline');
    const externalDir = join(tmp, 'external');
    await importLlama2c({ checkpointPath: CKPT, tokenizerPath: TOK, outDir: inlineDir, modelId: 'stories260K' });
    const result = await importLlama2c({
      checkpointPath: CKPT,
      tokenizerPath: TOK,
      outDir: externalDir,
      modelId: 'stories260K',
      externalData: true,
      externalDataMinTensorBytes: 1024,
    });
    expect(result.provenance.onnx.externalData).toBe('onnx/model.onnx_data');
    expect(readdirSync(join(externalDir, 'onnx')).sort()).toEqual(['model.onnx', 'model.onnx_data']);
    const stored = readModel(readFileSync(join(externalDir, 'onnx', 'model.onnx')));
    expect(stored.graph!.initializer!.find((t) => t.name === 'lm_head.weight')!.dataLocation).toBe(DataLocation.EXTERNAL);
    expect(Buffer.compare(Buffer.from(writeModel(loadModel(join(externalDir, 'onnx', 'model.onnx')))), readFileSync(join(inlineDir, 'onnx', 'model.onnx')))).toBe(0);

    const feeds = (): Record<string, ort.Tensor> => {
      const f: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from([1n, 403n, 407n]), [1, 3]),
        attention_mask: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n]), [1, 3]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from([0n, 1n, 2n]), [1, 3]),
      };
      for (let l = 0; l < 5; l++) {
        for (const kind of ['key', 'value']) f[`past_key_values.${l}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, 4, 0, 8]);
      }
      return f;
    };
    const a = await (await ort.InferenceSession.create(join(inlineDir, 'onnx', 'model.onnx'))).run(feeds());
    const b = await (await ort.InferenceSession.create(join(externalDir, 'onnx', 'model.onnx'))).run(feeds());
    expect(Array.from(b.logits!.data as Float32Array)).toEqual(Array.from(a.logits!.data as Float32Array));
  });

  it('replaces an existing folder, or refuses when overwrite is false', async () => {
    const outDir = join(tmp, 'replace');
    mkdirSync(outDir);
    writeFileSync(join(outDir, 'stale.txt'), 'old');
    await expect(importLlama2c({ checkpointPath: CKPT, tokenizerPath: TOK, outDir, modelId: 'x', overwrite: false })).rejects.toThrow(/already exists/);
    await importLlama2c({ checkpointPath: CKPT, tokenizerPath: TOK, outDir, modelId: 'x' });
    expect(existsSync(join(outDir, 'stale.txt'))).toBe(false);
    expect(readdirSync(tmp).filter((n) => n.includes('.old-') || n.includes('.tmp-'))).toEqual([]);
  });

  it('fails cleanly on a corrupt checkpoint and leaves no folder behind', async () => {
    const bad = join(tmp, 'truncated.bin');
    writeFileSync(bad, readFileSync(CKPT).subarray(0, 500_000));
    const parent = join(tmp, 'failed');
    const outDir = join(parent, 'model');
    await expect(importLlama2c({ checkpointPath: bad, tokenizerPath: TOK, outDir, modelId: 'bad' })).rejects.toThrow(CheckpointFormatError);
    await expect(importLlama2c({ checkpointPath: bad, tokenizerPath: TOK, outDir, modelId: 'bad' })).rejects.toThrow(/size 500000 bytes does not match the header/);
    expect(existsSync(outDir)).toBe(false);
    expect(existsSync(parent) ? readdirSync(parent) : []).toEqual([]);
    // A tokenizer for another vocabulary is caught too.
    await expect(
      importLlama2c({ checkpointPath: CKPT, tokenizerPath: `${SHARED}/babyllama-tok105/tok105.bin`, outDir, modelId: 'bad' }),
    ).rejects.toThrow(/contains 105 tokens, but the model's vocabulary has 512/);
    await expect(importLlama2c({ checkpointPath: join(tmp, 'missing.bin'), tokenizerPath: TOK, outDir, modelId: 'bad' })).rejects.toThrow(
      /checkpoint file not found/,
    );
    expect(existsSync(outDir)).toBe(false);
  });
});

describe('import-model CLI', () => {
  const run = promisify(execFile);
  const tsx = join(REPO, 'node_modules', '.bin', 'tsx');
  const cli = join(REPO, 'gpu-backend', 'model-import', 'cli.ts');

  it('imports a model and logs JSON lines', async () => {
    const outDir = join(tmp, 'cli', 'stories260K');
    const { stdout } = await run(tsx, [cli, CKPT, TOK, outDir, '--model-id', 'stories260K'], { cwd: REPO });
    const records = stdout.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; level: number });
    expect(records.map((r) => r.msg)).toContain('model folder ready');
    expect(records.every((r) => typeof r.level === 'number')).toBe(true);
    expect(existsSync(join(outDir, 'onnx', 'model.onnx'))).toBe(true);
    expect(readJson(join(outDir, 'slimgate.json')).modelId).toBe('stories260K');
  }, 30_000);

  it('exits 1 with a clear message on a bad checkpoint', async () => {
    const bad = join(tmp, 'header.bin');
    writeFileSync(bad, Buffer.alloc(64));
    const outDir = join(tmp, 'cli', 'bad');
    const error = await run(tsx, [cli, bad, TOK, outDir, '--model-id', 'bad'], { cwd: REPO }).catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr).toMatch(/import-model: .*header.bin: bad llama2.c header: dim = 0/);
    expect(existsSync(outDir)).toBe(false);
  }, 30_000);

  it('prints usage on missing arguments', async () => {
    const error = await run(tsx, [cli, CKPT], { cwd: REPO }).catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr).toMatch(/usage: npm run import-model/);
  }, 30_000);
});

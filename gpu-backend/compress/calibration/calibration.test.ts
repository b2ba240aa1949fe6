import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { valueInfo } from '../../onnx/builder.js';
import { writeModel } from '../../onnx/model-io.js';
import { DataType } from '../../onnx/types.js';
import { importStories260k, type Stories260k } from '../methods/test-fixtures.js';
import { splitStories, subsetCalibration } from './calibration-set.js';
import { collectActivations, decoderFeeds, planPasses } from './collect-activations.js';

describe('splitStories', () => {
  it('splits on separator lines and keeps blank lines inside a story', () => {
    const text = 'One.\n\nTwo paragraphs.\n<|endoftext|>\nSecond story.\n<|endoftext|>\n';
    expect(splitStories(text)).toEqual(['One.\n\nTwo paragraphs.', 'Second story.']);
  });
});

describe('planPasses', () => {
  it('splits requests to fit the memory budget', () => {
    const requests = [
      { tensorName: 'a', statistic: 'gram' as const, features: 64 }, // 32 KiB
      { tensorName: 'b', statistic: 'gram' as const, features: 64 },
      { tensorName: 'c', statistic: 'sum-squares' as const, features: 64 },
    ];
    expect(planPasses(requests, 40_000).map((p) => p.map((r) => r.tensorName))).toEqual([['a'], ['b', 'c']]);
  });
});

describe('calibration on stories260K', () => {
  let stories: Stories260k;
  beforeAll(async () => {
    stories = await importStories260k();
  });

  it('encodes stories 1-200 with BOS first, within the context', () => {
    const { sequences } = stories.calibration;
    expect(sequences).toHaveLength(200);
    for (const s of sequences) {
      expect(s[0]).toBe(1);
      expect(s.length).toBeLessThanOrEqual(512);
      expect(s.length).toBeGreaterThan(10);
    }
    expect(sequences.some((s) => s.length === 512)).toBe(true); // at least one story was truncated
  });

  it('accumulates X^T X and Σx² equal to the activations themselves', async () => {
    const set = subsetCalibration(stories.calibration, 3, 40);
    const tensor = stories.model.graph!.node!.find((n) => n.input?.[1] === 'model.layers.1.mlp.down_proj.weight')!.input![0]!;
    const stats = await collectActivations(
      stories.model,
      [
        { tensorName: tensor, statistic: 'gram', features: 172 },
        { tensorName: tensor, statistic: 'sum-squares', features: 172 },
      ],
      set,
    );
    const entry = stats.get(tensor)!;
    expect(entry.rows).toBe(120);

    // Direct computation from the same tensor fetched as a graph output (this session optimizes
    // the graph, so values differ from the unoptimized collection run in the last float digits).
    const probe = { ...stories.model, graph: { ...stories.model.graph, output: [...stories.model.graph!.output!, valueInfo(tensor, DataType.FLOAT)] } };
    const session = await ort.InferenceSession.create(writeModel(probe));
    const gram = new Float64Array(172 * 172);
    const sumSquares = new Float64Array(172);
    for (const tokens of set.sequences) {
      const x = (await session.run(decoderFeeds(probe.graph.input!, tokens)))[tensor]!.data as Float32Array;
      for (let r = 0; r < x.length / 172; r++) {
        for (let i = 0; i < 172; i++) {
          sumSquares[i]! += x[r * 172 + i]! ** 2;
          for (let j = 0; j < 172; j++) gram[i * 172 + j]! += x[r * 172 + i]! * x[r * 172 + j]!;
        }
      }
    }
    for (let i = 0; i < 172; i++) {
      expect(entry.sumSquares![i]).toBeCloseTo(sumSquares[i]!, 4);
      expect(entry.gram![i * 172 + i]).toBeCloseTo(sumSquares[i]!, 4);
      expect(entry.gram![i * 172 + ((i * 7) % 172)]).toBeCloseTo(gram[i * 172 + ((i * 7) % 172)]!, 4);
    }
  });
});

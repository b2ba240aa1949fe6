import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder, float, floats, makeAttribute } from './builder.js';
import { loadModel, readModel, saveModel, writeModel } from './model-io.js';
import { onnxRoot } from './schema.js';
import { floatTensor, int64Tensor, tensorToBigInt64, tensorToFloat32 } from './tensor.js';
import { AttributeType, DataLocation, DataType, type OnnxModel } from './types.js';

const tmp = mkdtempSync(join(tmpdir(), 'slimgate-onnx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** y = MatMul(x, w) + b, then Relu; small but with every kind of attribute on a side node. */
function smallModel(): OnnxModel {
  const b = new GraphBuilder('small');
  const x = b.input('x', DataType.FLOAT, ['batch', 4]);
  const w = b.addFloatInitializer('linear.weight', [4, 3], Float32Array.from({ length: 12 }, (_, i) => (i - 6) / 7));
  const bias = b.addFloatInitializer('linear.bias', [3], [0.5, -0.25, 0.125]);
  const y = b.scope('linear', () => b.op('Add', [b.op('MatMul', [x, w]), bias]));
  b.output('y', DataType.FLOAT, ['batch', 3], b.op('Relu', [y]));
  return b.buildModel({ opsetVersion: 21, producerVersion: '1', metadata: { purpose: 'test' } });
}

function everyFeatureModel(): OnnxModel {
  const model = smallModel();
  const sub = new GraphBuilder('then_branch');
  sub.output('branch_out', DataType.FLOAT, [1], sub.constFloat([1]));
  const graph = model.graph!;
  graph.node!.push({
    input: [],
    output: ['unused'],
    name: 'attrs',
    opType: 'Custom',
    domain: 'test.domain',
    attribute: [
      makeAttribute('i', 7),
      makeAttribute('neg', -3),
      makeAttribute('big', 9223372036854775807n),
      makeAttribute('f', float(2)),
      makeAttribute('f2', 0.1),
      makeAttribute('s', 'hello ✓'),
      makeAttribute('ints', [1, -1, 9223372036854775807n, -9223372036854775808n]),
      makeAttribute('floats', floats([1, 2.5])),
      makeAttribute('strings', ['a', 'b']),
      makeAttribute('t', { tensor: floatTensor('attr_tensor', [2], [1, 2]) }),
      makeAttribute('g', { graph: sub.buildGraph() }),
    ],
    metadataProps: [{ key: 'k', value: 'v' }],
  });
  graph.initializer!.push(
    { name: 'fd', dims: [2], dataType: DataType.FLOAT, floatData: [1.5, -2] },
    { name: 'i64', dims: [3], dataType: DataType.INT64, int64Data: [1, -1, 9223372036854775807n] },
    { name: 'u64', dims: [1], dataType: DataType.UINT64, uint64Data: [18446744073709551615n] },
    { name: 'i32', dims: [2], dataType: DataType.INT4, int32Data: [0x21, 0x43] },
    { name: 'dbl', dims: [1], dataType: DataType.DOUBLE, doubleData: [Math.PI] },
    { name: 'str', dims: [1], dataType: DataType.STRING, stringData: [new TextEncoder().encode('x')] },
    {
      name: 'ext',
      dims: [4],
      dataType: DataType.FLOAT,
      externalData: [
        { key: 'location', value: 'w.bin' },
        { key: 'offset', value: '0' },
        { key: 'length', value: '16' },
      ],
      dataLocation: DataLocation.EXTERNAL,
    },
    { name: 'zero_dims', dims: [0, 3], dataType: DataType.FLOAT, rawData: new Uint8Array(0) },
  );
  graph.valueInfo = [{ name: 'v', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'n', denotation: 'DATA_BATCH' }, { dimValue: 0 }] } } } }];
  model.functions = [
    {
      name: 'Fn',
      domain: 'test.domain',
      input: ['a'],
      output: ['b'],
      attribute: ['alpha'],
      attributeProto: [makeAttribute('beta', 1)],
      node: [{ input: ['a'], output: ['b'], opType: 'Identity' }],
      opsetImport: [{ domain: '', version: 21 }],
      overload: 'o',
      valueInfo: [{ name: 'a' }],
    },
  ];
  model.trainingInfo = [{ updateBinding: [{ key: 'a', value: 'b' }] }];
  return model;
}

describe('ONNX schema', () => {
  it('knows the IR 10 data types, including the 4-bit ones', () => {
    const values = onnxRoot.lookupEnum('onnx.TensorProto.DataType').values;
    expect(values.INT4).toBe(22);
    expect(values.UINT4).toBe(21);
    expect(values.FLOAT8E5M2FNUZ).toBe(20);
    expect(onnxRoot.lookupEnum('onnx.Version').values.IR_VERSION_2024_3_25).toBe(10);
    expect(onnxRoot.lookupEnum('onnx.AttributeProto.AttributeType').values.TYPE_PROTOS).toBe(14);
  });

  it('writes proto2 repeated fields as the spec says: dims unpacked, *_data packed', () => {
    const model: OnnxModel = { graph: { initializer: [{ dims: [2, 3], dataType: 1, floatData: [1, 2] }] } };
    // graph(7){ initializer(5){ dims 08 02 08 03 | data_type 10 01 | float_data 22 08 ... } }
    expect(hex(writeModel(model))).toBe('3a122a10' + '08020803' + '1001' + '2208' + '0000803f00000040');
    const attr: OnnxModel = { graph: { node: [{ attribute: [makeAttribute('ints', [1, 2])] }] } };
    // attribute ints (field 8) unpacked: 40 01 40 02; type INTS (20): a0 01 07
    expect(hex(writeModel(attr))).toContain('400140' + '02a00107');
  });
});

describe('readModel / writeModel', () => {
  it('round-trips a model with every field kind byte for byte', () => {
    const bytes = writeModel(everyFeatureModel());
    const model = readModel(bytes);
    expect(hex(writeModel(model))).toBe(hex(bytes));
    const attrs = model.graph!.node!.find((n) => n.name === 'attrs')!.attribute!;
    const byName = Object.fromEntries(attrs.map((a) => [a.name, a]));
    expect(byName.i).toMatchObject({ type: AttributeType.INT, i: 7 });
    expect(byName.neg!.i).toBe(-3);
    expect(byName.big!.i).toBe(9223372036854775807n);
    expect(byName.ints!.ints).toEqual([1, -1, 9223372036854775807n, -9223372036854775808n]);
    expect(byName.f).toMatchObject({ type: AttributeType.FLOAT, f: 2 });
    expect(new TextDecoder().decode(byName.s!.s)).toBe('hello ✓');
    expect(byName.g!.g!.name).toBe('then_branch');
    const inits = Object.fromEntries(model.graph!.initializer!.map((t) => [t.name, t]));
    expect(inits.u64!.uint64Data).toEqual([18446744073709551615n]);
    expect(tensorToBigInt64(inits.i64!)).toEqual(BigInt64Array.from([1n, -1n, 9223372036854775807n]));
    expect(inits.ext!.dataLocation).toBe(DataLocation.EXTERNAL);
    expect(inits.zero_dims!.rawData).toEqual(new Uint8Array(0));
    expect(model.metadataProps).toEqual([{ key: 'purpose', value: 'test' }]);
    expect(model.functions![0]!.overload).toBe('o');
  });

  it('keeps field presence: explicit defaults survive, absent fields stay absent', () => {
    const model: OnnxModel = { irVersion: 10, graph: { name: '', initializer: [{ name: 't', dataType: 0, dataLocation: 0 }] } };
    const back = readModel(writeModel(model));
    expect(back).toEqual(model);
    expect('docString' in back).toBe(false);
  });

  it('runs in onnxruntime and reads back its own initializers', async () => {
    const model = smallModel();
    const bytes = writeModel(model);
    const back = readModel(bytes);
    expect(tensorToFloat32(back.graph!.initializer![1]!)).toEqual(Float32Array.from([0.5, -0.25, 0.125]));
    const session = await ort.InferenceSession.create(bytes);
    const x = Float32Array.from([1, 2, 3, 4]);
    const out = await session.run({ x: new ort.Tensor('float32', x, [1, 4]) });
    const w = tensorToFloat32(model.graph!.initializer![0]!);
    const expected = [0, 1, 2].map((j) => Math.max(0, [0, 1, 2, 3].reduce((s, i) => s + x[i]! * w[i * 3 + j]!, 0) + [0.5, -0.25, 0.125][j]!));
    Array.from(out.y!.data as Float32Array).forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 5));
  });

  it('makes int64 constants and dedupes them', () => {
    const b = new GraphBuilder();
    const a = b.constInt64([1, 2]);
    expect(b.constInt64([1, 2])).toBe(a);
    expect(b.constInt64([1], true)).not.toBe(b.constInt64([1]));
    expect(tensorToBigInt64(int64Tensor('x', [2], [3, -4]))).toEqual(BigInt64Array.from([3n, -4n]));
  });
});

describe('external data', () => {
  it('moves initializers to a side file when forced, and onnxruntime reads it', async () => {
    const model = smallModel();
    const path = join(tmp, 'ext', 'model.onnx');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(tmp, 'ext'));
    // 'auto' with a tiny threshold: the same switch that triggers for > 2 GB models.
    const info = saveModel(model, path, { externalData: 'auto', autoThresholdBytes: 16, minTensorBytes: 16 });
    expect(info.externalTensors).toBe(1); // the 48-byte weight; the 12-byte bias stays inline
    expect(existsSync(join(tmp, 'ext', 'model.onnx_data'))).toBe(true);
    const stored = readModel(readFileSync(path));
    const weight = stored.graph!.initializer!.find((t) => t.name === 'linear.weight')!;
    expect(weight.rawData).toBeUndefined();
    expect(weight.dataLocation).toBe(DataLocation.EXTERNAL);
    expect(weight.externalData).toEqual([
      { key: 'location', value: 'model.onnx_data' },
      { key: 'offset', value: '0' },
      { key: 'length', value: '48' },
    ]);
    // Reading with the data inlined gives back the original model.
    expect(hex(writeModel(loadModel(path)))).toBe(hex(writeModel(model)));

    const x = new ort.Tensor('float32', Float32Array.from([1, -2, 3, 0.5]), [1, 4]);
    const inline = await (await ort.InferenceSession.create(writeModel(model))).run({ x });
    const external = await (await ort.InferenceSession.create(path)).run({ x });
    expect(Array.from(external.y!.data as Float32Array)).toEqual(Array.from(inline.y!.data as Float32Array));
  });

  it('aligns tensors in the side file and stays inline below the auto threshold', () => {
    const b = new GraphBuilder();
    const x = b.input('x', DataType.FLOAT, [3]);
    const w1 = b.addFloatInitializer('w1', [3], [1, 2, 3]);
    const w2 = b.addFloatInitializer('w2', [3], [4, 5, 6]);
    b.output('y', DataType.FLOAT, [3], b.op('Add', [b.op('Mul', [x, w1]), w2]));
    const model = b.buildModel({ opsetVersion: 21 });
    const inline = saveModel(model, join(tmp, 'inline.onnx'));
    expect(inline.externalDataPath).toBeUndefined();
    const forced = saveModel(model, join(tmp, 'forced.onnx'), { externalData: true, minTensorBytes: 1, location: 'weights.bin' });
    expect(forced.externalTensors).toBe(2);
    expect(statSync(join(tmp, 'weights.bin')).size).toBe(4096 + 12);
    const offsets = readModel(readFileSync(join(tmp, 'forced.onnx'))).graph!.initializer!.map((t) => t.externalData![1]!.value);
    expect(offsets).toEqual(['0', '4096']);
    expect(hex(writeModel(loadModel(join(tmp, 'forced.onnx'))))).toBe(hex(writeModel(model)));
  });

  it('refuses external locations outside the model folder', () => {
    const model: OnnxModel = {
      graph: {
        initializer: [
          { name: 'w', dims: [1], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: '../secret' }] },
        ],
      },
    };
    saveModel(model, join(tmp, 'evil.onnx'), { externalData: false });
    expect(() => loadModel(join(tmp, 'evil.onnx'))).toThrow(/leaves the model folder/);
  });
});

import { describe, expect, it } from 'vitest';

import { collectComponentSchemas, convertOpenAPISchema, listFormats } from './openapi-json-schema.js';

const ignoreReferences = () => {};

describe('convertOpenAPISchema', () => {
  it('adds null to a nullable type', () => {
    expect(convertOpenAPISchema({ type: 'integer', nullable: true, minimum: 0 }, ignoreReferences)).toEqual({
      type: ['integer', 'null'],
      minimum: 0,
    });
  });

  it('adds null to a nullable enum', () => {
    expect(convertOpenAPISchema({ type: 'string', enum: ['stop', 'length'], nullable: true }, ignoreReferences)).toEqual({
      type: ['string', 'null'],
      enum: ['stop', 'length', null],
    });
  });

  it('wraps a nullable schema without type', () => {
    const converted = convertOpenAPISchema({ nullable: true, oneOf: [{ type: 'string' }, { type: 'array' }] }, ignoreReferences);

    expect(converted).toEqual({ anyOf: [{ oneOf: [{ type: 'string' }, { type: 'array' }] }, { type: 'null' }] });
  });

  it('leaves nullable false alone', () => {
    expect(convertOpenAPISchema({ type: 'string', nullable: false }, ignoreReferences)).toEqual({ type: 'string' });
  });

  it('drops annotations and extensions', () => {
    const converted = convertOpenAPISchema(
      { type: 'object', description: 'd', title: 't', example: 1, default: 2, deprecated: true, 'x-oaiMeta': { name: 'n' }, 'x-stainless-const': true },
      ignoreReferences,
    );

    expect(converted).toEqual({ type: 'object' });
  });

  it('keeps property names that look like keywords', () => {
    const converted = convertOpenAPISchema(
      { type: 'object', properties: { description: { type: 'string', description: 'text' }, 'x-custom': { type: 'integer' } } },
      ignoreReferences,
    );

    expect(converted).toEqual({ type: 'object', properties: { description: { type: 'string' }, 'x-custom': { type: 'integer' } } });
  });

  it('keeps only the discriminator property name', () => {
    const converted = convertOpenAPISchema(
      { oneOf: [{ $ref: '#/components/schemas/A' }], discriminator: { propertyName: 'type', mapping: { a: '#/components/schemas/A' } } },
      ignoreReferences,
    );

    expect(converted).toEqual({ oneOf: [{ $ref: 'A' }], discriminator: { propertyName: 'type' } });
  });

  it('rewrites and reports component references', () => {
    const seen: string[] = [];
    const converted = convertOpenAPISchema(
      { type: 'array', items: { $ref: '#/components/schemas/Message' }, additionalProperties: { $ref: '#/components/schemas/Extra' } },
      (name) => seen.push(name),
    );

    expect(converted).toEqual({ type: 'array', items: { $ref: 'Message' }, additionalProperties: { $ref: 'Extra' } });
    expect(seen).toEqual(['Message', 'Extra']);
  });

  it('rejects references outside components', () => {
    expect(() => convertOpenAPISchema({ $ref: 'https://example.com/schema.json' }, ignoreReferences)).toThrow(/only '#\/components\/schemas\/<Name>'/);
  });
});

describe('collectComponentSchemas', () => {
  const components = {
    Request: { type: 'object', properties: { stop: { $ref: '#/components/schemas/Stop' }, tools: { items: { $ref: '#/components/schemas/Tool' } } } },
    Stop: { type: 'string', nullable: true },
    Tool: { type: 'object', properties: { next: { $ref: '#/components/schemas/Tool' } } },
    Unused: { type: 'integer' },
  };

  it('collects the transitive closure with ids', () => {
    const collected = collectComponentSchemas(components, ['Request']);

    expect([...collected.keys()]).toEqual(['Request', 'Stop', 'Tool']);
    expect(collected.get('Stop')).toEqual({ $id: 'Stop', type: ['string', 'null'] });
  });

  it('reports a missing schema', () => {
    expect(() => collectComponentSchemas(components, ['Missing'])).toThrow("Schema 'Missing' is not defined");
  });
});

describe('listFormats', () => {
  it('finds formats in nested schemas only', () => {
    const formats = listFormats([
      { $id: 'A', type: 'object', properties: { format: { type: 'string', format: 'uri' }, created: { type: 'integer', format: 'unixtime' } } },
      { $id: 'B', anyOf: [{ type: 'string', format: 'date' }] },
    ]);

    expect(formats).toEqual(['date', 'unixtime', 'uri']);
  });
});

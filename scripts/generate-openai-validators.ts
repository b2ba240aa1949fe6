/**
 * Generates the OpenAI request and response validators in `src/openai/generated/` from OpenAI's
 * published OpenAPI document.
 *
 * workerd forbids run-time code generation (`new Function`), so Ajv cannot compile schemas inside
 * the Worker. This script compiles them ahead of time with Ajv's standalone mode and bundles each
 * set with esbuild into one self-contained ES module, so the output imports nothing at run time.
 *
 * Usage: `npm run generate:validators [-- path/to/openai-openapi.yaml]`; the default spec path is
 * `../shared/specs/openai-openapi.yaml`, relative to the repository root.
 */

import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import type { Format } from 'ajv';
import { _ } from 'ajv/dist/compile/codegen/index.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { build, type Plugin } from 'esbuild';
import { parse } from 'yaml';

import { collectComponentSchemas, listFormats, type JsonSchemaObject } from '../src/openai/openapi-json-schema.js';

const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const DEFAULT_SPEC_PATH = resolve(REPOSITORY_ROOT, '../shared/specs/openai-openapi.yaml');

export const OUTPUT_DIRECTORY = resolve(REPOSITORY_ROOT, 'src/openai/generated');

/** Output module name → component schemas it exports a `validate<Name>` function for. */
export const VALIDATOR_MODULES: Readonly<Record<string, readonly string[]>> = {
  // Bundled into the gateway: checks incoming request bodies.
  'request-validators': ['CreateCompletionRequest', 'CreateChatCompletionRequest'],
  // Used by tests to check every response body and stream chunk the gateway returns.
  'response-validators': [
    'CreateCompletionResponse',
    'CreateChatCompletionResponse',
    'CreateChatCompletionStreamResponse',
    'CreateCompletionStreamResponse',
    'ListModelsResponse',
    'ErrorResponse',
  ],
};

/**
 * Formats checked for real: ajv-formats' full implementations.
 * OpenAPI's numeric formats (`int64`, `unixtime`, …) only describe the encoding width; JSON numbers
 * arrive as doubles, so they are accepted as annotations. A format outside both lists stops the
 * generator, so a spec update cannot silently disable a check.
 */
const CHECKED_FORMATS = new Set(['uri', 'date', 'date-time', 'email']);
const ANNOTATION_FORMATS = new Set(['int32', 'int64', 'float', 'double', 'unixtime', 'binary', 'byte', 'png']);

const FORMATS_MODULE = 'slimgate-virtual:formats';

/**
 * Schemas the spec lacks, derived from one it has. OpenAI documents legacy completion stream
 * chunks as `CreateCompletionResponse` objects, but its API (and every compatible server) sends
 * `finish_reason: null` on all chunks except the last, which that schema forbids.
 */
const DERIVED_SCHEMAS: Readonly<Record<string, { base: string; derive: (base: JsonSchemaObject) => JsonSchemaObject }>> = {
  CreateCompletionStreamResponse: { base: 'CreateCompletionResponse', derive: allowNullFinishReason },
};

function allowNullFinishReason(base: JsonSchemaObject): JsonSchemaObject {
  const derived = structuredClone(base);
  const finishReason = (derived as { properties?: { choices?: { items?: { properties?: { finish_reason?: JsonSchemaObject } } } } })
    .properties?.choices?.items?.properties?.finish_reason;
  if (finishReason === undefined || finishReason.type !== 'string' || !Array.isArray(finishReason.enum)) {
    throw new Error('CreateCompletionResponse.choices[].finish_reason is no longer a string enum: update allowNullFinishReason.');
  }

  finishReason.type = ['string', 'null'];
  finishReason.enum = [...finishReason.enum, null];
  return derived;
}

interface OpenAPIDocument {
  info?: { version?: string };
  components?: { schemas?: Record<string, unknown> };
}

/** Generates every validator module; returns file name → contents (`.js` and `.d.ts` per module). */
export async function generateOpenAIValidators(specText: string): Promise<Map<string, string>> {
  const spec = parse(specText) as OpenAPIDocument;
  const components = spec.components?.schemas;
  if (components === undefined) throw new Error('The OpenAPI document has no components.schemas.');

  const files = new Map<string, string>();
  for (const [moduleName, roots] of Object.entries(VALIDATOR_MODULES)) {
    const header = fileHeader(roots, spec.info?.version ?? 'unknown');
    files.set(`${moduleName}.js`, await generateModule(components, roots, header));
    files.set(`${moduleName}.d.ts`, declarationFile(roots, header));
  }

  return files;
}

async function generateModule(
  components: Record<string, unknown>,
  roots: readonly string[],
  header: string,
): Promise<string> {
  const specRoots = roots.flatMap((name) => {
    const derived = DERIVED_SCHEMAS[name];
    return derived === undefined ? [name] : [derived.base];
  });
  const schemas = collectComponentSchemas(components, [...new Set(specRoots)]);
  for (const name of roots) {
    const derived = DERIVED_SCHEMAS[name];
    const base = derived === undefined ? undefined : schemas.get(derived.base);
    if (derived !== undefined && base !== undefined) schemas.set(name, { ...derived.derive(base), $id: name });
  }

  const formats = listFormats(schemas.values());
  const unknownFormats = formats.filter((format) => !CHECKED_FORMATS.has(format) && !ANNOTATION_FORMATS.has(format));
  if (unknownFormats.length > 0) {
    throw new Error(`Unsupported formats ${unknownFormats.join(', ')}: add each to CHECKED_FORMATS or ANNOTATION_FORMATS.`);
  }

  const standaloneSource = compileStandalone(schemas, formats, roots);
  return bundle(standaloneSource, formats, header);
}

function compileStandalone(
  schemas: Map<string, JsonSchemaObject>,
  formats: readonly string[],
  roots: readonly string[],
): string {
  const ajv = new Ajv2020({
    // One error per failed keyword chain keeps the result small and the first cause clear.
    allErrors: false,
    // OpenAI's oneOf unions tag their branches (messages by `role`, content parts by `type`);
    // discriminator support makes Ajv report errors from the selected branch only.
    discriminator: true,
    strict: true,
    // The spec omits `type: object` next to `discriminator` and uses union types. Both are style
    // warnings rather than ambiguities, so strictTypes is off while the other strict checks stay on.
    strictTypes: false,
    // Error messages are built from keywords and params (validation-errors.ts), so Ajv's own
    // English messages would only add size.
    messages: false,
    code: { source: true, esm: true, lines: true, formats: _`require(${FORMATS_MODULE})` },
  });

  // Ajv emits no code for a `true` format. For a real one it emits a reference through
  // `code.formats`, which the bundle step resolves to the same ajv-formats implementation.
  for (const format of formats) {
    ajv.addFormat(format, CHECKED_FORMATS.has(format) ? checkedFormat(format) : true);
  }
  for (const schema of schemas.values()) ajv.addSchema(schema);

  const exports = Object.fromEntries(roots.map((name) => [`validate${name}`, name]));
  return standaloneCode(ajv, exports);
}

function checkedFormat(format: string): Format {
  const implementation = (fullFormats as Record<string, Format | undefined>)[format];
  if (implementation === undefined) throw new Error(`ajv-formats has no '${format}' format.`);
  return implementation;
}

/** Bundles the standalone code with its Ajv run-time helpers and formats into one ES module. */
async function bundle(standaloneSource: string, formats: readonly string[], header: string): Promise<string> {
  const entry = 'slimgate-virtual:validators';
  const virtualModules = new Map([
    [entry, standaloneSource],
    [FORMATS_MODULE, formatsModuleSource(formats)],
  ]);

  const virtualPlugin: Plugin = {
    name: 'slimgate-virtual-modules',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^slimgate-virtual:/ }, (args) => ({ path: args.path, namespace: 'slimgate-virtual' }));
      esbuild.onLoad({ filter: /.*/, namespace: 'slimgate-virtual' }, (args) => ({
        contents: virtualModules.get(args.path) ?? '',
        loader: 'js',
        resolveDir: REPOSITORY_ROOT,
      }));
    },
  };

  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    legalComments: 'inline',
    banner: { js: header },
    plugins: [virtualPlugin],
    logLevel: 'silent',
  });

  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('esbuild produced no output.');
  return output.text;
}

/** Source of the module that `code.formats` points at: real checks, or `true` for annotations. */
function formatsModuleSource(formats: readonly string[]): string {
  const entries = formats.map((format) =>
    CHECKED_FORMATS.has(format)
      ? `  ${JSON.stringify(format)}: fullFormats[${JSON.stringify(format)}],`
      : `  ${JSON.stringify(format)}: true,`,
  );
  return [`const { fullFormats } = require("ajv-formats/dist/formats");`, `module.exports = {`, ...entries, `};`].join('\n');
}

function declarationFile(roots: readonly string[], header: string): string {
  const lines = [header, `import type { StandaloneValidator } from '../standalone-validator.js';`, ''];
  for (const name of roots) {
    const derived = DERIVED_SCHEMAS[name];
    lines.push(
      derived === undefined
        ? `/** Validates a value against OpenAI's \`${name}\` schema. */`
        : `/** Validates a value against \`${derived.base}\` with \`finish_reason\` also allowed to be null. */`,
    );
    lines.push(`export declare const validate${name}: StandaloneValidator;`);
  }
  return `${lines.join('\n')}\n`;
}

function fileHeader(roots: readonly string[], specVersion: string): string {
  return [
    '// Generated by scripts/generate-openai-validators.ts: do not edit.',
    `// Source: OpenAI OpenAPI document version ${specVersion}; schemas ${roots.join(', ')}.`,
    '// Regenerate with `npm run generate:validators`.',
  ].join('\n');
}

async function main(): Promise<void> {
  const specPath = resolve(process.argv[2] ?? DEFAULT_SPEC_PATH);
  const files = await generateOpenAIValidators(await readFile(specPath, 'utf8'));

  await mkdir(OUTPUT_DIRECTORY, { recursive: true });
  for (const [name, contents] of files) {
    await writeFile(resolve(OUTPUT_DIRECTORY, name), contents);
    process.stdout.write(`wrote ${resolve(OUTPUT_DIRECTORY, name)} (${contents.length} bytes)\n`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}

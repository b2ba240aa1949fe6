/**
 * The default model: karpathy's `stories260K` (tinyllamas), imported into the model cache.
 *
 * `ensureDefaultModel` returns the imported folder and reuses a cached import whose recorded
 * checksums still match. Otherwise it imports from `../shared/models/stories260K` (beside the
 * repository) when that folder exists, or else downloads the two files from the Hugging Face Hub
 * (`$HF_ENDPOINT`, default https://huggingface.co) and verifies their SHA-256.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../src/log/logger.js';
import { silentLogger } from '../../src/log/logger.js';
import { IMPORTER_VERSION, importLlama2c, PROVENANCE_FILE, type SlimgateProvenance } from '../model-import/import.js';
import { downloadFile } from './download.js';

export const DEFAULT_MODEL_ID = 'stories260K';
export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

/** The default model's files, with the checksums listed in ../shared/SHA256SUMS. */
export const STORIES260K = {
  repo: 'karpathy/tinyllamas',
  revision: 'main',
  checkpoint: { path: 'stories260K/stories260K.bin', sha256: 'b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696' },
  tokenizer: { path: 'stories260K/tok512.bin', sha256: '037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312' },
} as const;

/** Returns the repository root: the nearest folder above this module whose package.json is slimgate's. */
export function findRepoRoot(start = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'slimgate') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
    dir = parent;
  }
}

export function defaultCacheDir(): string {
  return process.env.SLIMGATE_CACHE_DIR || join(findRepoRoot(), '.cache');
}

export function hubFileUrl(endpoint: string, repo: string, revision: string, path: string): string {
  return `${endpoint.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

export interface EnsureDefaultModelOptions {
  /** Model cache; default $SLIMGATE_CACHE_DIR, else <repo>/.cache. */
  cacheDir?: string;
  logger?: Logger;
  /**
   * Folder holding stories260K.bin and tok512.bin; default <repo>/../shared/models/stories260K.
   * `null` skips it (always download).
   */
  localSourceDir?: string | null;
  /** Hub endpoint; default $HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  fetchImpl?: typeof fetch;
}

function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Returns true when `dir` contains a complete import of the default model whose checksums all match. */
export function isValidDefaultImport(dir: string): boolean {
  const provenancePath = join(dir, PROVENANCE_FILE);
  if (!existsSync(provenancePath)) return false;
  let provenance: SlimgateProvenance;
  try {
    provenance = JSON.parse(readFileSync(provenancePath, 'utf8')) as SlimgateProvenance;
  } catch {
    return false;
  }
  if (provenance.importer?.version !== IMPORTER_VERSION) return false;
  if (provenance.source?.checkpoint?.sha256 !== STORIES260K.checkpoint.sha256) return false;
  if (provenance.source?.tokenizer?.sha256 !== STORIES260K.tokenizer.sha256) return false;
  const files = Object.entries(provenance.files ?? {});
  if (!files.some(([rel]) => rel === provenance.onnx?.path)) return false;
  return files.every(([rel, sum]) => existsSync(join(dir, rel)) && sha256Of(join(dir, rel)) === sum);
}

/** Returns the folder of the imported default model, importing (and downloading) as needed. */
export async function ensureDefaultModel(options: EnsureDefaultModelOptions = {}): Promise<string> {
  const log = (options.logger ?? silentLogger).child({ component: 'hub', modelId: DEFAULT_MODEL_ID });
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
  const modelDir = join(cacheDir, 'models', DEFAULT_MODEL_ID);
  if (isValidDefaultImport(modelDir)) {
    log.info({ modelDir }, 'default model found in cache');
    return modelDir;
  }

  const files = { checkpoint: STORIES260K.checkpoint, tokenizer: STORIES260K.tokenizer };
  const localDir =
    options.localSourceDir === undefined ? join(findRepoRoot(), '..', 'shared', 'models', DEFAULT_MODEL_ID) : options.localSourceDir;
  let paths: { checkpoint: string; tokenizer: string } | undefined;
  if (localDir !== null) {
    const candidate = {
      checkpoint: join(localDir, files.checkpoint.path.split('/').pop()!),
      tokenizer: join(localDir, files.tokenizer.path.split('/').pop()!),
    };
    if (existsSync(candidate.checkpoint) && existsSync(candidate.tokenizer)) {
      const ok = sha256Of(candidate.checkpoint) === files.checkpoint.sha256 && sha256Of(candidate.tokenizer) === files.tokenizer.sha256;
      if (ok) paths = candidate;
      else log.warn({ localDir }, 'local copy of the default model has unexpected checksums; downloading instead');
    }
  }

  if (!paths) {
    const endpoint = options.endpoint ?? (process.env.HF_ENDPOINT || DEFAULT_HF_ENDPOINT);
    const downloadDir = join(cacheDir, 'downloads', ...STORIES260K.repo.split('/'));
    const headers: Record<string, string> = process.env.HF_TOKEN ? { authorization: `Bearer ${process.env.HF_TOKEN}` } : {};
    const fetched: Record<string, string> = {};
    for (const [key, file] of Object.entries(files)) {
      const dest = join(downloadDir, file.path);
      if (!(existsSync(dest) && sha256Of(dest) === file.sha256)) {
        const url = hubFileUrl(endpoint, STORIES260K.repo, STORIES260K.revision, file.path);
        await downloadFile(url, dest, {
          sha256: file.sha256,
          logger: log,
          headers,
          ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
        });
      }
      fetched[key] = dest;
    }
    paths = { checkpoint: fetched.checkpoint!, tokenizer: fetched.tokenizer! };
  }

  log.info({ modelDir, source: paths }, 'importing default model');
  await importLlama2c({ checkpointPath: paths.checkpoint, tokenizerPath: paths.tokenizer, outDir: modelDir, modelId: DEFAULT_MODEL_ID, logger: log });
  return modelDir;
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SlimgateProvenance } from '../model-import/import.js';
import { DEFAULT_MODEL_ID, ensureDefaultModel, findRepoRoot, hubFileUrl, isValidDefaultImport, STORIES260K } from './default-model.js';
import { ChecksumMismatchError, DownloadError, downloadFile } from './download.js';

const SHARED = new URL('../../../shared/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'slimgate-hub-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
const freshDir = (label: string): string => join(tmp, `${label}-${counter++}`);

describe('constants', () => {
  it('match ../shared/SHA256SUMS', () => {
    const sums = new Map(
      readFileSync(join(SHARED, 'SHA256SUMS'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/).reverse() as [string, string]),
    );
    expect(STORIES260K.checkpoint.sha256).toBe(sums.get('models/stories260K/stories260K.bin'));
    expect(STORIES260K.tokenizer.sha256).toBe(sums.get('models/stories260K/tok512.bin'));
  });

  it('find the repository root and build hub URLs', () => {
    expect(JSON.parse(readFileSync(join(findRepoRoot(), 'package.json'), 'utf8')).name).toBe('slimgate');
    expect(hubFileUrl('https://huggingface.co/', 'karpathy/tinyllamas', 'main', 'stories260K/tok512.bin')).toBe(
      'https://huggingface.co/karpathy/tinyllamas/resolve/main/stories260K/tok512.bin',
    );
  });
});

describe('ensureDefaultModel from ../shared', () => {
  it('imports once, then reuses the cache while its checksums match', async () => {
    const cacheDir = freshDir('cache');
    const dir = await ensureDefaultModel({ cacheDir });
    expect(dir).toBe(join(cacheDir, 'models', DEFAULT_MODEL_ID));
    expect(isValidDefaultImport(dir)).toBe(true);
    const provenance = JSON.parse(readFileSync(join(dir, 'slimgate.json'), 'utf8')) as SlimgateProvenance;
    expect(provenance.source.checkpoint.sha256).toBe(STORIES260K.checkpoint.sha256);
    expect(existsSync(join(cacheDir, 'downloads'))).toBe(false);

    const mtime = statSync(join(dir, 'slimgate.json')).mtimeMs;
    expect(await ensureDefaultModel({ cacheDir })).toBe(dir);
    expect(statSync(join(dir, 'slimgate.json')).mtimeMs).toBe(mtime);

    // A damaged cache is detected and re-imported.
    writeFileSync(join(dir, 'tokenizer.json'), '{}');
    expect(isValidDefaultImport(dir)).toBe(false);
    await ensureDefaultModel({ cacheDir });
    expect(isValidDefaultImport(dir)).toBe(true);
  });

  it('uses SLIMGATE_CACHE_DIR when no cacheDir is given', async () => {
    const cacheDir = freshDir('env-cache');
    const previous = process.env.SLIMGATE_CACHE_DIR;
    process.env.SLIMGATE_CACHE_DIR = cacheDir;
    try {
      expect(await ensureDefaultModel()).toBe(join(cacheDir, 'models', DEFAULT_MODEL_ID));
    } finally {
      if (previous === undefined) delete process.env.SLIMGATE_CACHE_DIR;
      else process.env.SLIMGATE_CACHE_DIR = previous;
    }
  });
});

describe('downloads from a Hugging Face Hub endpoint', () => {
  const files: Record<string, Buffer> = {
    '/karpathy/tinyllamas/resolve/main/stories260K/stories260K.bin': readFileSync(join(SHARED, 'models/stories260K/stories260K.bin')),
    '/karpathy/tinyllamas/resolve/main/stories260K/tok512.bin': readFileSync(join(SHARED, 'models/stories260K/tok512.bin')),
  };
  let server: Server;
  let endpoint: string;
  let requests: string[] = [];
  let corrupt = false;
  let status = 200;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests.push(req.url ?? '');
      // Like the Hub: /resolve/ redirects to a content URL.
      if (req.url?.startsWith('/karpathy/')) {
        res.writeHead(302, { location: `/cdn${req.url}` }).end();
        return;
      }
      const body = files[(req.url ?? '').replace(/^\/cdn/, '')];
      if (!body || status !== 200) {
        res.writeHead(body ? status : 404).end('not here');
        return;
      }
      const payload = corrupt ? Buffer.concat([body.subarray(0, body.length - 1), Buffer.from([body[body.length - 1]! ^ 1])]) : body;
      res.writeHead(200, { 'content-length': payload.length, 'content-type': 'application/octet-stream' });
      // Stream in chunks.
      for (let i = 0; i < payload.length; i += 65536) res.write(payload.subarray(i, i + 65536));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => {
    requests = [];
    corrupt = false;
    status = 200;
  });

  it('downloads, verifies and imports when ../shared is not available (HF_ENDPOINT)', async () => {
    const cacheDir = freshDir('download');
    const previous = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = endpoint;
    try {
      const dir = await ensureDefaultModel({ cacheDir, localSourceDir: null });
      expect(isValidDefaultImport(dir)).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = previous;
    }
    expect(requests.filter((r) => r.startsWith('/karpathy/'))).toEqual([
      '/karpathy/tinyllamas/resolve/main/stories260K/stories260K.bin',
      '/karpathy/tinyllamas/resolve/main/stories260K/tok512.bin',
    ]);
    const downloaded = join(cacheDir, 'downloads', 'karpathy', 'tinyllamas', 'stories260K');
    expect(readdirSync(downloaded).sort()).toEqual(['stories260K.bin', 'tok512.bin']);

    // A second cold import reuses the verified downloads instead of fetching again.
    rmSync(join(cacheDir, 'models'), { recursive: true });
    await ensureDefaultModel({ cacheDir, localSourceDir: null, endpoint });
    expect(requests.filter((r) => r.startsWith('/karpathy/'))).toHaveLength(2);
  });

  it('rejects a download whose checksum does not match and keeps nothing', async () => {
    corrupt = true;
    const cacheDir = freshDir('corrupt');
    const failure = ensureDefaultModel({ cacheDir, localSourceDir: null, endpoint });
    await expect(failure).rejects.toThrow(ChecksumMismatchError);
    await expect(failure).rejects.toThrow(/checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/karpathy\/tinyllamas\/resolve\/main\/stories260K\/stories260K\.bin: expected sha256 b0a507e7/);
    const downloads = join(cacheDir, 'downloads', 'karpathy', 'tinyllamas', 'stories260K');
    expect(existsSync(downloads) ? readdirSync(downloads) : []).toEqual([]);
    expect(existsSync(join(cacheDir, 'models', DEFAULT_MODEL_ID))).toBe(false);
  });

  it('reports HTTP errors with the URL and status', async () => {
    status = 503;
    const dest = join(freshDir('http'), 'x.bin');
    const failure = downloadFile(`${endpoint}/karpathy/tinyllamas/resolve/main/stories260K/tok512.bin`, dest, { sha256: STORIES260K.tokenizer.sha256 });
    await expect(failure).rejects.toThrow(DownloadError);
    await expect(failure).rejects.toMatchObject({ status: 503 });
    await expect(downloadFile(`${endpoint}/missing`, dest, { sha256: 'ab' })).rejects.toThrow(/HTTP 404/);
    expect(existsSync(dest)).toBe(false);
  });

  it('reports unreachable endpoints', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dest = join(freshDir('down'), 'x.bin');
    await expect(downloadFile(`http://127.0.0.1:${port}/x`, dest, { sha256: 'ab' })).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:\d+\/x failed: fetch failed/);
    expect(existsSync(dest)).toBe(false);
  });
});

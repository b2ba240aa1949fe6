/**
 * Streamed, checksum-verified downloads: the body goes to a temporary file next to the target
 * while its SHA-256 is computed, and is renamed into place only when the digest (and length, when
 * the server sent one) match. Any failure removes the temporary file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Logger } from '../../src/log/logger.js';
import { silentLogger } from '../../src/log/logger.js';

export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export class ChecksumMismatchError extends Error {
  override name = 'ChecksumMismatchError';
  constructor(
    readonly url: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`checksum mismatch for ${url}: expected sha256 ${expected}, got ${actual}`);
  }
}

export interface DownloadOptions {
  /** Expected lowercase hex SHA-256 of the body. */
  sha256: string;
  logger?: Logger;
  /** Whole-request timeout (default 5 minutes). */
  timeoutMs?: number;
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
  fetchImpl?: typeof fetch;
}

/** fetch's own message is just "fetch failed"; the reason (ECONNREFUSED, timeout...) is in `cause`. */
function describeFetchError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const reason = cause?.code ?? cause?.message;
  return reason && !message.includes(reason) ? `${message} (${reason})` : message;
}

/** Downloads `url` to `destPath`; resolves with the byte count once verified and in place. */
export async function downloadFile(url: string, destPath: string, options: DownloadOptions): Promise<number> {
  const log = options.logger ?? silentLogger;
  const fetchImpl = options.fetchImpl ?? fetch;
  await mkdir(dirname(destPath), { recursive: true });
  const tmpPath = `${destPath}.part-${process.pid}-${randomBytes(4).toString('hex')}`;
  const started = Date.now();
  log.info({ url, destPath }, 'download started');
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        redirect: 'follow',
        headers: options.headers ?? {},
        signal: AbortSignal.timeout(options.timeoutMs ?? 300_000),
      });
    } catch (error) {
      throw new DownloadError(`GET ${url} failed: ${describeFetchError(error)}`, url);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new DownloadError(`GET ${url} failed: HTTP ${response.status} ${response.statusText}`.trim(), url, response.status);
    }
    if (!response.body) throw new DownloadError(`GET ${url} returned no body`, url, response.status);
    const hash = createHash('sha256');
    let bytes = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>), hasher, createWriteStream(tmpPath));
    } catch (error) {
      throw new DownloadError(`GET ${url} failed while reading the body: ${(error as Error).message}`, url, response.status);
    }
    const declared = response.headers.get('content-length');
    if (declared !== null && response.headers.get('content-encoding') === null && Number(declared) !== bytes) {
      throw new DownloadError(`GET ${url}: received ${bytes} bytes, the server announced ${declared}`, url, response.status);
    }
    const actual = hash.digest('hex');
    if (actual !== options.sha256.toLowerCase()) throw new ChecksumMismatchError(url, options.sha256.toLowerCase(), actual);
    await rename(tmpPath, destPath);
    log.info({ url, destPath, bytes, ms: Date.now() - started }, 'download finished');
    return bytes;
  } catch (error) {
    await rm(tmpPath, { force: true });
    log.error({ url, err: error }, 'download failed');
    throw error;
  }
}

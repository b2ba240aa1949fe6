/**
 * The model folder's `deployment.json`, written atomically (temp file and rename) by the deploy
 * command: `{"active": "onnx/model_q4.onnx", "previous": "onnx/model.onnx", "recipe": ..., "promotedAt": ...}`.
 *
 * The backend serves `active` when that file exists, otherwise `onnx/model.onnx`, and reloads
 * when `deployment.json` changes ({@link DeploymentWatcher}) or on SIGHUP.
 */

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import type { Logger } from '../../src/log/logger.js';

export const DEPLOYMENT_FILE = 'deployment.json';
export const DEFAULT_ONNX_FILE = path.join('onnx', 'model.onnx');

export interface ActiveModel {
  onnxPath: string;
  /** Origin of the choice, for logs: `deployment.json` or the default file. */
  source: 'deployment' | 'default';
}

/**
 * Returns the ONNX file to serve from `dir`. A missing `deployment.json` selects the default
 * file; an unreadable one, or an `active` path outside `dir` or missing on disk, throws.
 */
export async function resolveActiveModel(dir: string): Promise<ActiveModel> {
  const deploymentPath = path.join(dir, DEPLOYMENT_FILE);
  let text: string;
  try {
    text = await readFile(deploymentPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { onnxPath: path.join(dir, DEFAULT_ONNX_FILE), source: 'default' };
    throw error;
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // No `cause`, because pino's error serializer (pino-std-serializers 7) appends the cause's message, which this one already ends with.
    throw new Error(`${deploymentPath} is not valid JSON: ${(error as Error).message}`);
  }
  const active = (parsed as { active?: unknown } | null)?.active;
  if (typeof active !== 'string' || active === '') throw new Error(`${deploymentPath}: "active" must be a non-empty path relative to the model folder`);

  const onnxPath = path.resolve(dir, active);
  const relative = path.relative(path.resolve(dir), onnxPath);
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`${deploymentPath}: "active" ${active} is outside the model folder`);

  try {
    await stat(onnxPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // An `active` file that does not exist (yet) selects the default model, so a bad deploy cannot stop the backend.
    return { onnxPath: path.join(dir, DEFAULT_ONNX_FILE), source: 'default' };
  }
  return { onnxPath, source: 'deployment' };
}

export interface DeploymentWatcherOptions {
  dir: string;
  /** Poll interval for the mtime of `deployment.json`, in milliseconds. */
  intervalMs: number;
  /** Loads and swaps in the model; rejects when the load fails. */
  reload: (model: ActiveModel) => Promise<void>;
  /** The ONNX file currently served. */
  currentOnnxPath: () => string;
  logger: Logger;
}

/** Polls `deployment.json` and reloads the model when the active file changes. */
export class DeploymentWatcher {
  private lastMtimeMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;

  constructor(private readonly options: DeploymentWatcherOptions) {}

  /** Records the current mtime and starts polling. */
  async start(): Promise<void> {
    this.lastMtimeMs = await this.readMtime();
    this.timer = setInterval(() => void this.poll(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Resolves the active file and swaps it in when it differs from the served one, or always when
   * `force` is set (SIGHUP). Errors are logged and the current model stays.
   */
  async check(force = false): Promise<void> {
    if (this.reloading) return this.reloading;
    this.reloading = this.reload(force).finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async poll(): Promise<void> {
    let mtime: number | undefined;
    try {
      mtime = await this.readMtime();
    } catch (error) {
      this.options.logger.error({ err: error, dir: this.options.dir }, 'reading deployment.json failed');
      return;
    }
    if (mtime === this.lastMtimeMs) return;
    this.lastMtimeMs = mtime;
    await this.check();
  }

  private async reload(force: boolean): Promise<void> {
    const { logger } = this.options;
    try {
      const model = await resolveActiveModel(this.options.dir);
      if (!force && model.onnxPath === this.options.currentOnnxPath()) return;
      await this.options.reload(model);
    } catch (error) {
      logger.error({ err: error, dir: this.options.dir, onnxPath: this.options.currentOnnxPath() }, 'model reload failed; keeping the current model');
    }
  }

  private async readMtime(): Promise<number | undefined> {
    try {
      return (await stat(path.join(this.options.dir, DEPLOYMENT_FILE))).mtimeMs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

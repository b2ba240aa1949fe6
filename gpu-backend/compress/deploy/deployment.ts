/**
 * Promotion and rollback of the served variant through `<model-dir>/deployment.json`
 * (`{"active", "previous", "recipe", "promotedAt"}`), which the backend watches and hot-swaps on.
 * The file is replaced atomically (temp file and rename), so the backend never reads half of it.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { DEFAULT_ONNX_FILE, DEPLOYMENT_FILE } from '../../runtime/model-deployment.js';
import { writeJsonAtomic } from '../artifacts/atomic-write.js';

export interface Deployment {
  /** ONNX file served, relative to the model folder. */
  active: string;
  /** The file that was active before, kept for rollback; null when there is none. */
  previous: string | null;
  /** Recipe name of `active`; `base` for the uncompressed model. */
  recipe: string;
  /** Recipe name of `previous`, so a rollback can restore it. */
  previousRecipe: string | null;
  promotedAt: string;
}

/** Invalid `deployment.json`, or a promotion or rollback that the model folder does not allow. */
export class DeploymentError extends Error {
  override name = 'DeploymentError';
}

/** Reads `deployment.json`; null when the folder has none (the backend then serves `onnx/model.onnx`). */
export function readDeployment(modelDir: string): Deployment | null {
  const file = path.join(modelDir, DEPLOYMENT_FILE);
  if (!existsSync(file)) return null;

  // Read errors (permissions, a folder in place of the file) are not parse errors, so they pass through.
  const text = readFileSync(file, 'utf8');
  let parsed: Partial<Deployment>;
  try {
    parsed = JSON.parse(text) as Partial<Deployment>;
  } catch (error) {
    // No `cause`, because pino's error serializer (pino-std-serializers 7) appends the cause's message, which this one already ends with.
    throw new DeploymentError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed.active !== 'string' || parsed.active === '') throw new DeploymentError(`${file}: "active" must be a non-empty path`);
  return {
    active: parsed.active,
    previous: typeof parsed.previous === 'string' ? parsed.previous : null,
    recipe: typeof parsed.recipe === 'string' ? parsed.recipe : 'unknown',
    previousRecipe: typeof parsed.previousRecipe === 'string' ? parsed.previousRecipe : null,
    promotedAt: typeof parsed.promotedAt === 'string' ? parsed.promotedAt : '',
  };
}

function requireInside(modelDir: string, file: string): void {
  const resolved = path.resolve(modelDir, file);
  const relative = path.relative(path.resolve(modelDir), resolved);
  if (relative.startsWith('..') || path.isAbsolute(relative)) throw new DeploymentError(`${file} is outside the model folder ${modelDir}`);
  if (!existsSync(resolved)) throw new DeploymentError(`cannot promote ${file}: ${resolved} not found`);
}

/**
 * Makes `file` the active variant; the one active before becomes `previous`. Promoting the
 * already active file again keeps the earlier `previous`, so rollback still has a target.
 */
export function promote(modelDir: string, file: string, recipe: string, now: Date = new Date()): Deployment {
  requireInside(modelDir, file);
  const current = readDeployment(modelDir);
  const samePath = current !== null && path.normalize(current.active) === path.normalize(file);
  const deployment: Deployment = samePath
    ? { ...current, recipe, promotedAt: now.toISOString() }
    : {
        active: file,
        previous: current?.active ?? DEFAULT_ONNX_FILE,
        recipe,
        previousRecipe: current ? current.recipe : 'base',
        promotedAt: now.toISOString(),
      };
  writeJsonAtomic(path.join(modelDir, DEPLOYMENT_FILE), deployment);
  return deployment;
}

/** Swaps `active` and `previous` back; throws when there is nothing to roll back to. */
export function rollback(modelDir: string, now: Date = new Date()): Deployment {
  const current = readDeployment(modelDir);
  if (!current) throw new DeploymentError(`${path.join(modelDir, DEPLOYMENT_FILE)} not found: nothing has been deployed, so there is nothing to roll back`);
  if (!current.previous) throw new DeploymentError(`${path.join(modelDir, DEPLOYMENT_FILE)} records no previous variant to roll back to`);
  requireInside(modelDir, current.previous);

  const deployment: Deployment = {
    active: current.previous,
    previous: current.active,
    recipe: current.previousRecipe ?? 'unknown',
    previousRecipe: current.recipe,
    promotedAt: now.toISOString(),
  };
  writeJsonAtomic(path.join(modelDir, DEPLOYMENT_FILE), deployment);
  return deployment;
}

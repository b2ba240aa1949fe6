/**
 * `onnx/manifest.json`: what each compressed variant in the model folder is, how it was made,
 * and how it measured, with the machine and the source model's sha256 that the numbers belong to.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { VariantMeasurement } from '../evaluate/evaluate-variants.js';
import type { HardwareInfo } from '../evaluate/hardware.js';
import type { AppliedStep, Recipe } from '../recipe.js';
import type { Constraints, Objective } from '../search/objective.js';
import { writeJsonAtomic } from './atomic-write.js';

export const MANIFEST_FILE = path.join('onnx', 'manifest.json');
export const MANIFEST_FORMAT = 'slimgate-compression-manifest';

export interface ManifestVariant {
  /** Path relative to the model folder, e.g. `onnx/model_q4.onnx`. */
  file: string;
  sha256: string;
  recipe: Recipe;
  /** transformers.js dtype of the file, when it has one. */
  dtype?: string;
  steps: AppliedStep[];
  /** Measurements with the ONNX path made relative to the model folder and per-story arrays left out. */
  measurements: Omit<VariantMeasurement, 'onnxPath'>;
  onParetoFront: boolean;
  createdAt: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: 1;
  source: { file: string; sha256: string };
  hardware: HardwareInfo;
  evaluation: {
    stories: string;
    storyCount: number;
    predictedTokens: number | null;
    basePerplexity: number | null;
    objective: Objective;
    constraints: Constraints;
    /** The file chosen by the objective under the constraints in the last run; null when none met them. */
    chosen: string | null;
  };
  variants: ManifestVariant[];
  updatedAt: string;
}

/** Reads the manifest, or returns null when the folder has none. */
export function readManifest(modelDir: string): Manifest | null {
  const file = path.join(modelDir, MANIFEST_FILE);
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if ((parsed as { format?: unknown } | null)?.format !== MANIFEST_FORMAT) throw new Error(`${file} is not a ${MANIFEST_FORMAT} file`);
  return parsed as Manifest;
}

/**
 * Writes the manifest atomically. Entries of an earlier manifest for other files are kept when
 * they describe the same source model and their file still exists, so variants from several
 * runs accumulate. Entries for the files written now replace the old ones.
 */
export function writeManifest(modelDir: string, manifest: Manifest): void {
  const previous = readManifest(modelDir);
  const written = new Set(manifest.variants.map((variant) => variant.file));
  const kept =
    previous && previous.source.sha256 === manifest.source.sha256
      ? previous.variants.filter((variant) => !written.has(variant.file) && existsSync(path.join(modelDir, variant.file)))
      : [];
  writeJsonAtomic(path.join(modelDir, MANIFEST_FILE), { ...manifest, variants: [...kept, ...manifest.variants] });
}

/** Drops per-story arrays (kept in benchmark output, too large for the manifest) and the absolute path. */
export function manifestMeasurements(measurement: VariantMeasurement): ManifestVariant['measurements'] {
  const { onnxPath: _absolute, quality, ...rest } = measurement;
  if (!quality) return { ...rest, quality: null };
  return { ...rest, quality: { ...quality, storyNllSums: [], storyTokenCounts: [] } };
}

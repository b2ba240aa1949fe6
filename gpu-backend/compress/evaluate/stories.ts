/**
 * TinyStories evaluation text: the story file contains one story after another, each followed by
 * a line `<|endoftext|>`. Stories 1–200 are kept for calibration and stories 201–1000 for
 * evaluation, so no compression method is scored on the text it was tuned on.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { findRepoRoot } from '../../hub/default-model.js';

export const STORY_SEPARATOR = '<|endoftext|>';

/** 1-based inclusive story numbers of the evaluation split. */
export const EVALUATION_STORIES = { first: 201, last: 1000 } as const;

/** Default path of the story file: $SLIMGATE_SHARED_DIR, else `../shared` beside the repository. */
export function defaultStoriesPath(): string {
  const sharedDir = process.env.SLIMGATE_SHARED_DIR || path.join(findRepoRoot(), '..', 'shared');
  return path.join(sharedDir, 'data', 'tinystories', 'validation-first-1000.txt');
}

/** Splits the file into stories, trimmed, in file order; text after the last separator is dropped. */
export function splitStories(text: string): string[] {
  const parts = text.split(/^<\|endoftext\|>[ \t]*\r?$/m);
  parts.pop();
  return parts.map((part) => part.trim());
}

export interface StoryRange {
  /** 1-based number of the first story. */
  first: number;
  /** 1-based number of the last story, inclusive. */
  last: number;
}

/** Returns stories `first`..`last` (1-based, inclusive); throws when the file has fewer. */
export function selectStories(stories: readonly string[], range: StoryRange): string[] {
  if (!Number.isInteger(range.first) || !Number.isInteger(range.last) || range.first < 1 || range.last < range.first) {
    throw new RangeError(`invalid story range ${range.first}..${range.last}: expected integers with 1 <= first <= last`);
  }
  if (range.last > stories.length) {
    throw new RangeError(`story range ${range.first}..${range.last} exceeds the ${stories.length} stories in the file`);
  }
  return stories.slice(range.first - 1, range.last);
}

/** Reads the story file and returns the requested range. */
export async function loadStories(file: string, range: StoryRange): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const stories = splitStories(text);
  if (stories.length === 0) throw new Error(`${file} contains no story followed by a ${STORY_SEPARATOR} line`);
  return selectStories(stories, range);
}

/** Returns the evaluation range shortened to its first `count` stories (for quick runs). */
export function evaluationRange(count?: number): StoryRange {
  const total = EVALUATION_STORIES.last - EVALUATION_STORIES.first + 1;
  if (count === undefined) return { ...EVALUATION_STORIES };
  if (!Number.isInteger(count) || count < 1 || count > total) {
    throw new RangeError(`story count must be an integer from 1 to ${total}, got ${count}`);
  }
  return { first: EVALUATION_STORIES.first, last: EVALUATION_STORIES.first + count - 1 };
}

export interface StoryTokenizer {
  /** BOS followed by the text's tokens. */
  encodePrompt(text: string): number[];
}

/**
 * Tokenizes each story with BOS first and truncates it to `contextLength` tokens. Every story
 * keeps at least BOS and one token, so each contributes predicted tokens.
 */
export function tokenizeStories(stories: readonly string[], tokenizer: StoryTokenizer, contextLength: number): number[][] {
  return stories.map((story, index) => {
    const ids = tokenizer.encodePrompt(story).slice(0, contextLength);
    if (ids.length < 2) throw new Error(`story ${index} of the selection has no token after BOS`);
    return ids;
  });
}

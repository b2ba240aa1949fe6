/**
 * The semantic scorer's reference tables (GloVe vectors, unigram probabilities and trigram IDF)
 * packed into one binary asset, so the Worker, which cannot read files, can import them.
 * scripts/build-edge-data.ts writes the asset. This module uses Web-standard APIs only.
 *
 * Layout, little-endian:
 * - uint32: byte length `H` of the UTF-8 JSON header ({@link EdgeDataHeader}), then the header
 *   and zero padding up to a multiple of 8 bytes;
 * - Float64[wordCount]: unigram probability of each word, in header order;
 * - Float32[wordCount × dimension]: the word vectors, row by row;
 * - Float32[trigramDimension]: the trigram IDF.
 *
 * Every value keeps the precision that the Node loaders use (Float32 vectors and IDF, Float64
 * probabilities), so a scorer built from the asset scores exactly as the Node one does.
 */

import type { GloveSifTables } from './glove-sif-embedder.js';
import type { TrigramIdfTable } from './trigram-tfidf-embedder.js';

/** Format version, raised when the layout changes so a stale asset is rejected. */
const EDGE_DATA_VERSION = 1;

interface EdgeDataHeader {
  version: number;
  /** Words that have a vector, in the order of the probability and vector sections. */
  words: string[];
  dimension: number;
  /** p(w) of a word that has a vector but no count. Such words have NaN in the probability section. */
  unseenWordProbability: number;
  trigramDimension: number;
  trigramDocumentCount: number;
}

export interface EdgeData {
  gloveTables: GloveSifTables;
  trigramIdf: TrigramIdfTable;
}

/** Packs the tables into the asset layout described in the module comment. */
export function encodeEdgeData(data: EdgeData): Uint8Array {
  const { gloveTables, trigramIdf } = data;
  const words = [...gloveTables.vectors.keys()];
  const header: EdgeDataHeader = {
    version: EDGE_DATA_VERSION,
    words,
    dimension: gloveTables.dimension,
    unseenWordProbability: gloveTables.unseenWordProbability,
    trigramDimension: trigramIdf.dimension,
    trigramDocumentCount: trigramIdf.documentCount,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));

  // The header is padded so the Float64 and Float32 sections start at aligned offsets and
  // the decoder can view them in place.
  const probabilitiesOffset = align8(4 + headerBytes.length);
  const vectorsOffset = probabilitiesOffset + 8 * words.length;
  const idfOffset = vectorsOffset + 4 * words.length * gloveTables.dimension;
  const totalBytes = idfOffset + 4 * trigramIdf.dimension;

  const bytes = new Uint8Array(totalBytes);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, headerBytes.length, true);
  bytes.set(headerBytes, 4);

  words.forEach((word, index) => {
    // A word with a vector but no count gets NaN. The decoder leaves it out of the probability
    // map, so the embedder falls back to `unseenWordProbability` as it does in Node.
    const probability = gloveTables.wordProbabilities.get(word) ?? Number.NaN;
    view.setFloat64(probabilitiesOffset + 8 * index, probability, true);

    const vector = gloveTables.vectors.get(word)!;
    for (let component = 0; component < gloveTables.dimension; component++) {
      view.setFloat32(vectorsOffset + 4 * (index * gloveTables.dimension + component), vector[component]!, true);
    }
  });
  for (let bucket = 0; bucket < trigramIdf.dimension; bucket++) {
    view.setFloat32(idfOffset + 4 * bucket, trigramIdf.idf[bucket]!, true);
  }
  return bytes;
}

/** Unpacks an asset written by {@link encodeEdgeData}. Throws when the version or the byte length does not match. */
export function decodeEdgeData(bytes: Uint8Array): EdgeData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as EdgeDataHeader;
  if (header.version !== EDGE_DATA_VERSION) {
    throw new Error(`edge data has format version ${String(header.version)}, expected ${EDGE_DATA_VERSION}; run npm run build:edge-data again`);
  }

  const { words, dimension } = header;
  const probabilitiesOffset = align8(4 + headerLength);
  const vectorsOffset = probabilitiesOffset + 8 * words.length;
  const idfOffset = vectorsOffset + 4 * words.length * dimension;
  const expectedBytes = idfOffset + 4 * header.trigramDimension;
  if (bytes.byteLength !== expectedBytes) {
    throw new Error(`edge data has ${bytes.byteLength} bytes, but its header describes ${expectedBytes}`);
  }

  const vectors = new Map<string, Float32Array>();
  const wordProbabilities = new Map<string, number>();
  words.forEach((word, index) => {
    const probability = view.getFloat64(probabilitiesOffset + 8 * index, true);
    if (!Number.isNaN(probability)) wordProbabilities.set(word, probability);

    const vector = new Float32Array(dimension);
    for (let component = 0; component < dimension; component++) {
      vector[component] = view.getFloat32(vectorsOffset + 4 * (index * dimension + component), true);
    }
    vectors.set(word, vector);
  });

  const idf = new Float32Array(header.trigramDimension);
  for (let bucket = 0; bucket < header.trigramDimension; bucket++) idf[bucket] = view.getFloat32(idfOffset + 4 * bucket, true);

  return {
    gloveTables: { vectors, dimension, wordProbabilities, unseenWordProbability: header.unseenWordProbability },
    trigramIdf: { dimension: header.trigramDimension, documentCount: header.trigramDocumentCount, idf },
  };
}

/** Encodes bytes as base64 with `btoa`, which both Node 20 and workerd provide. */
export function bytesToBase64(bytes: Uint8Array): string {
  // Chunks keep String.fromCharCode's argument count far below engine limits.
  const chunkBytes = 0x8000;
  let binary = '';
  for (let start = 0; start < bytes.length; start += chunkBytes) {
    binary += String.fromCharCode(...bytes.subarray(start, start + chunkBytes));
  }
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function align8(offset: number): number {
  return Math.ceil(offset / 8) * 8;
}

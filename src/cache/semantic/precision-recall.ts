/**
 * Precision and recall of a "same request" decision rule `score >= threshold` over labelled
 * pairs (label 1 = same request).
 */

export interface LabelledScore {
  score: number;
  label: 0 | 1;
}

export interface OperatingPoint {
  threshold: number;
  /** truePositives / (truePositives + falsePositives); 1 when nothing is predicted positive. */
  precision: number;
  /** truePositives / positives; 0 when there are no positives. */
  recall: number;
  truePositives: number;
  falsePositives: number;
  positives: number;
  negatives: number;
}

export function operatingPointAt(
  scores: readonly LabelledScore[],
  threshold: number,
): OperatingPoint {
  let truePositives = 0;
  let falsePositives = 0;
  let positives = 0;

  for (const { score, label } of scores) {
    if (label === 1) positives++;
    if (score < threshold) continue;
    if (label === 1) truePositives++;
    else falsePositives++;
  }
  return makePoint(threshold, truePositives, falsePositives, positives, scores.length - positives);
}

/**
 * Returns the operating point with the highest recall whose precision is at least
 * `minimumPrecision`, trying every distinct score as the threshold. Among equal recalls the
 * highest threshold wins. Returns null when no threshold reaches the precision.
 */
export function maxRecallAtPrecision(
  scores: readonly LabelledScore[],
  minimumPrecision: number,
): OperatingPoint | null {
  const sorted = [...scores].sort((left, right) => right.score - left.score);
  const positives = sorted.filter((entry) => entry.label === 1).length;
  const negatives = sorted.length - positives;

  let best: OperatingPoint | null = null;
  let truePositives = 0;
  let falsePositives = 0;
  for (let index = 0; index < sorted.length; index++) {
    const entry = sorted[index]!;
    if (entry.label === 1) truePositives++;
    else falsePositives++;

    // Only a boundary between distinct scores is a threshold that a rule can realize.
    const next = sorted[index + 1];
    if (next !== undefined && next.score === entry.score) continue;

    const point = makePoint(entry.score, truePositives, falsePositives, positives, negatives);
    if (point.precision >= minimumPrecision && (best === null || point.recall > best.recall)) {
      best = point;
    }
  }
  return best;
}

function makePoint(
  threshold: number,
  truePositives: number,
  falsePositives: number,
  positives: number,
  negatives: number,
): OperatingPoint {
  const predicted = truePositives + falsePositives;
  return {
    threshold,
    precision: predicted === 0 ? 1 : truePositives / predicted,
    recall: positives === 0 ? 0 : truePositives / positives,
    truePositives,
    falsePositives,
    positives,
    negatives,
  };
}

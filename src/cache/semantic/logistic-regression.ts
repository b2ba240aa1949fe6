/**
 * Binary logistic regression trained by full-batch gradient descent on standardized features.
 * Training starts from zero weights and visits the data in a fixed order, so the same data
 * always gives the same model.
 */

export interface LogisticModel {
  featureNames: string[];
  /** Per-feature mean and standard deviation of the training data, used to standardize inputs. */
  means: number[];
  scales: number[];
  /** Weights on the standardized features. */
  weights: number[];
  bias: number;
}

export interface LogisticTrainingOptions {
  steps?: number;
  learningRate?: number;
  /** L2 penalty on the weights (not the bias), added to the mean log loss. */
  l2?: number;
}

export function trainLogisticRegression(
  featureNames: string[],
  rows: ReadonlyArray<ArrayLike<number>>,
  labels: ReadonlyArray<0 | 1>,
  options: LogisticTrainingOptions = {},
): LogisticModel {
  const steps = options.steps ?? 500;
  const learningRate = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 1e-3;
  const width = featureNames.length;

  if (rows.length === 0 || rows.length !== labels.length) {
    throw new RangeError(`need as many labels as rows, got ${labels.length} and ${rows.length}`);
  }
  for (const row of rows) {
    if (row.length !== width) {
      throw new RangeError(`row has ${row.length} features, expected ${width}`);
    }
  }

  const { means, scales } = standardization(rows, width);
  const standardized = rows.map((row) => standardize(row, means, scales));

  const weights = new Array<number>(width).fill(0);
  let bias = 0;
  for (let step = 0; step < steps; step++) {
    const weightGradient = new Array<number>(width).fill(0);
    let biasGradient = 0;

    for (let index = 0; index < standardized.length; index++) {
      const row = standardized[index]!;
      const error = sigmoid(linear(weights, bias, row)) - labels[index]!;
      for (let j = 0; j < width; j++) weightGradient[j]! += error * row[j]!;
      biasGradient += error;
    }

    for (let j = 0; j < width; j++) {
      const gradient = weightGradient[j]! / standardized.length + l2 * weights[j]!;
      weights[j] = weights[j]! - learningRate * gradient;
    }
    bias -= (learningRate * biasGradient) / standardized.length;
  }

  return { featureNames: [...featureNames], means, scales, weights, bias };
}

/** Returns the model's probability that the row belongs to class 1. */
export function predictProbability(model: LogisticModel, row: ArrayLike<number>): number {
  if (row.length !== model.weights.length) {
    throw new RangeError(`row has ${row.length} features, model expects ${model.weights.length}`);
  }
  return sigmoid(linear(model.weights, model.bias, standardize(row, model.means, model.scales)));
}

function standardization(
  rows: ReadonlyArray<ArrayLike<number>>,
  width: number,
): { means: number[]; scales: number[] } {
  const means = new Array<number>(width).fill(0);
  for (const row of rows) for (let j = 0; j < width; j++) means[j]! += row[j]! / rows.length;

  const variances = new Array<number>(width).fill(0);
  for (const row of rows) {
    for (let j = 0; j < width; j++) variances[j]! += (row[j]! - means[j]!) ** 2 / rows.length;
  }

  // A constant feature gets scale 1, so it standardizes to 0 instead of dividing by zero.
  const scales = variances.map((variance) => (variance > 0 ? Math.sqrt(variance) : 1));
  return { means, scales };
}

function standardize(row: ArrayLike<number>, means: number[], scales: number[]): number[] {
  return Array.from(row, (value, j) => (value - means[j]!) / scales[j]!);
}

function linear(weights: number[], bias: number, row: number[]): number {
  let sum = bias;
  for (let j = 0; j < weights.length; j++) sum += weights[j]! * row[j]!;
  return sum;
}

function sigmoid(value: number): number {
  return 1 / (1 + Math.exp(-value));
}

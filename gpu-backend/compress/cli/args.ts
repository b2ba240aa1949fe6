/** Command-line arguments of `slimgate compress|deploy|rollback`. */

import { parseArgs } from 'node:util';

import { isExecutionProvider, type ExecutionProvider } from '../../runtime/execution-provider.js';
import { isObjective, OBJECTIVES, parsePercent, type Constraints, type Objective } from '../search/objective.js';

export const COMMANDS = ['compress', 'deploy', 'rollback'] as const;
export type Command = (typeof COMMANDS)[number];

/** The `--recipe` value that chooses the recipe from a gateway metrics export (`--metrics`). */
export const FROM_METRICS_RECIPE = 'from-metrics';

export const USAGE = `Usage:
  slimgate compress <model-dir> [options]   compress, evaluate and write variants into <model-dir>/onnx
  slimgate deploy <model-dir> [options]     compress, apply the quality gate and promote the chosen variant
  slimgate rollback <model-dir>             make the previously active variant active again

Options (compress and deploy):
  --recipe auto|mixed-auto|from-metrics|<name>
                              recipe to apply: auto searches presets, enumerated recipes and mixed-auto;
                              mixed-auto picks a weight format per MatMul group on calibration stories;
                              from-metrics chooses q4, int8 or fp16 from the traffic in --metrics and
                              writes <model-dir>/reselect-report.md and .json (default auto)
  --metrics <file>            gateway metrics export (body of GET /admin/metrics?window=24h), for from-metrics
  --metrics-model <id>        model id in the metrics export (default: the folder's model id)
  --latency-objective <s>     p95 request time objective in seconds, for from-metrics (default 5)
  --quality-floor <x>         lowest acceptable replay or feedback score, 0 to 1, for from-metrics (default 0.8)
  --min-requests <n>          requests the export must contain before the traffic decides (default 100)
  --objective <name>          what the choice minimizes: ${OBJECTIVES.join(', ')} (default p95-decode-latency, or size with --no-latency)
  --max-ppl-increase <pct>    maximum perplexity increase over the base model, e.g. 2% (deploy default 2%)
  --min-agreement <fraction>  minimum top-1 agreement with the base model, e.g. 0.95
  --max-bits-per-weight <n>   maximum stored bits per MatMul weight
  --price-per-hour <usd>      hardware price in US dollars per hour, for $ per million tokens
  --stories <n>               evaluate on the first n of stories 201-1000 (default all 800)
  --max-recipes <n>           most recipes auto tries (default 24)
  --threads <n>               onnxruntime intra-op threads (default: onnxruntime's choice)
  --execution-provider <ep>   cpu or cuda (default cpu)
  --no-latency                skip latency and memory measurement
  --verbose                   log pipeline steps as JSON lines on stderr
  -h, --help                  print this help`;

/** Settings of `--recipe from-metrics`. */
export interface MetricsRecipeArguments {
  /** The saved body of `GET /admin/metrics`. */
  file: string;
  /** Model id as the gateway records it; undefined means the folder's own model id. */
  model?: string;
  latencyObjectiveSeconds: number;
  qualityFloor: number;
  minRequests: number;
}

export interface CliArguments {
  command: Command;
  modelDir: string;
  recipe: string;
  /** Set exactly when `recipe` is {@link FROM_METRICS_RECIPE}. */
  metrics?: MetricsRecipeArguments;
  objective: Objective;
  constraints: Constraints;
  pricePerHour?: number;
  storyCount?: number;
  maxRecipes?: number;
  threads?: number;
  executionProvider: ExecutionProvider;
  latency: boolean;
  verbose: boolean;
}

const LATENCY_OBJECTIVES: readonly Objective[] = ['p95-decode-latency', 'median-decode-latency', 'prefill-latency', 'cost'];

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Returns the parsed arguments, or `'help'`; throws {@link UsageError} on invalid input. */
export function parseCliArguments(argv: readonly string[]): CliArguments | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        recipe: { type: 'string' },
        metrics: { type: 'string' },
        'metrics-model': { type: 'string' },
        'latency-objective': { type: 'string' },
        'quality-floor': { type: 'string' },
        'min-requests': { type: 'string' },
        objective: { type: 'string' },
        'max-ppl-increase': { type: 'string' },
        'min-agreement': { type: 'string' },
        'max-bits-per-weight': { type: 'string' },
        'price-per-hour': { type: 'string' },
        stories: { type: 'string' },
        'max-recipes': { type: 'string' },
        threads: { type: 'string' },
        'execution-provider': { type: 'string' },
        'no-latency': { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';

  const [command, modelDir, ...extra] = positionals;
  if (!command || !(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command ?? '')}; expected one of ${COMMANDS.join(', ')}`);
  if (!modelDir) throw new UsageError(`${command} needs a model folder`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);

  const latency = values['no-latency'] !== true;
  const objective = values.objective ?? (latency ? 'p95-decode-latency' : 'size');
  if (!isObjective(objective)) throw new UsageError(`unknown objective ${JSON.stringify(objective)}; expected one of ${OBJECTIVES.join(', ')}`);
  if (!latency && LATENCY_OBJECTIVES.includes(objective)) throw new UsageError(`objective ${objective} needs latency measurements; remove --no-latency or choose another objective`);
  const executionProvider = values['execution-provider'] ?? 'cpu';
  if (!isExecutionProvider(executionProvider)) throw new UsageError(`unknown execution provider ${JSON.stringify(executionProvider)}; expected cpu or cuda`);

  const constraints: Constraints = {};
  const maxPpl = values['max-ppl-increase'] ?? (command === 'deploy' ? '2%' : undefined);
  if (maxPpl !== undefined) constraints.maxPerplexityIncreasePercent = wrap(() => parsePercent(maxPpl));
  if (values['min-agreement'] !== undefined) constraints.minTop1Agreement = number(values['min-agreement'], '--min-agreement', 0, 1);
  if (values['max-bits-per-weight'] !== undefined) constraints.maxBitsPerWeight = number(values['max-bits-per-weight'], '--max-bits-per-weight', 0, 32);

  const result: CliArguments = {
    command: command as Command,
    modelDir,
    recipe: values.recipe ?? 'auto',
    objective,
    constraints,
    executionProvider,
    latency,
    verbose: values.verbose === true,
  };
  if (values['price-per-hour'] !== undefined) result.pricePerHour = number(values['price-per-hour'], '--price-per-hour', 0, Infinity);
  if (values.stories !== undefined) result.storyCount = integer(values.stories, '--stories', 1, 800);
  if (values['max-recipes'] !== undefined) result.maxRecipes = integer(values['max-recipes'], '--max-recipes', 1, 256);
  if (values.threads !== undefined) result.threads = integer(values.threads, '--threads', 1, 1024);

  const metrics = parseMetricsRecipe(result.recipe, values);
  if (metrics !== undefined) result.metrics = metrics;
  return result;
}

type MetricsOptionValues = Partial<Record<'metrics' | 'metrics-model' | 'latency-objective' | 'quality-floor' | 'min-requests', string>>;

/** Returns the from-metrics settings, or undefined for another recipe; the options only apply to from-metrics. */
function parseMetricsRecipe(recipe: string, values: MetricsOptionValues): MetricsRecipeArguments | undefined {
  if (recipe !== FROM_METRICS_RECIPE) {
    const stray = (['metrics', 'metrics-model', 'latency-objective', 'quality-floor', 'min-requests'] as const).find((name) => values[name] !== undefined);
    if (stray !== undefined) throw new UsageError(`--${stray} applies only to --recipe ${FROM_METRICS_RECIPE}`);
    return undefined;
  }

  if (values.metrics === undefined) throw new UsageError(`--recipe ${FROM_METRICS_RECIPE} needs --metrics <file>, the saved body of GET /admin/metrics?window=24h`);
  const metrics: MetricsRecipeArguments = {
    file: values.metrics,
    latencyObjectiveSeconds: values['latency-objective'] === undefined ? 5 : number(values['latency-objective'], '--latency-objective', 0, Infinity),
    qualityFloor: values['quality-floor'] === undefined ? 0.8 : number(values['quality-floor'], '--quality-floor', 0, 1),
    minRequests: values['min-requests'] === undefined ? 100 : integer(values['min-requests'], '--min-requests', 0, Number.MAX_SAFE_INTEGER),
  };
  if (values['metrics-model'] !== undefined) metrics.model = values['metrics-model'];
  return metrics;
}

function wrap<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function number(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) throw new UsageError(`${flag} must be a number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return value;
}

function integer(text: string, flag: string, min: number, max: number): number {
  const value = number(text, flag, min, max);
  if (!Number.isInteger(value)) throw new UsageError(`${flag} must be an integer, got ${JSON.stringify(text)}`);
  return value;
}

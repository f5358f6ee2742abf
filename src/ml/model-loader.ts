/**
 * Saved models: a versioned JSON file at MODEL_PATH, reused at start-up when it is compatible with the
 * running configuration, else retrained and replaced.
 *
 * Compatible means: same file format version, same feature names (in order), same label threshold, same
 * symbol and interval, same trees/maxDepth/seed. A model trained on another symbol is NOT reused even though
 * the features are scale-free: its metrics were measured on that symbol, and serving them for another would
 * claim confidence the model has not earned there. Hyperparameters must match so that changing the config
 * takes effect. The file's age is not checked (this module has no clock): run `conclave train` to refresh.
 *
 * This module reads and writes files but does no HTTP: the caller supplies `fetchCandles`.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Candle, Interval } from '../domain/candle.js';
import { ConclaveError, isConclaveError } from '../domain/errors.js';
import type { TradingCalendar } from '../domain/trading-calendar.js';
import { FEATURE_NAMES } from './features.js';
import { ForestModel, type TradingModel, trainModel } from './model.js';
import { type ForestJson, RandomForest } from './random-forest.js';

export const MODEL_FILE_FORMAT = 'conclave-trading-model';
export const MODEL_FILE_VERSION = 1;

const finite = z.number().refine(Number.isFinite, 'must be finite');
const modelFileSchema = z.object({
  format: z.literal(MODEL_FILE_FORMAT),
  formatVersion: z.number().int(),
  version: z.string().min(1),
  featureNames: z.array(z.string()),
  trainedOn: z.object({
    symbol: z.string(),
    interval: z.string(),
    from: finite,
    to: finite,
    rows: z.number().int().nonnegative(),
    labelThreshold: finite,
  }),
  metrics: z.object({
    trainAccuracy: finite,
    testAccuracy: finite,
    majorityBaseline: finite,
    macroF1: z.number(),
    // Required: a file saved before the edge test existed is retrained rather than served without a p-value.
    edgePValue: finite,
    rowsBetterThanBaseline: z.number().int().nonnegative(),
    rowsWorseThanBaseline: z.number().int().nonnegative(),
  }),
  params: z.object({ trees: z.number().int(), maxDepth: z.number().int(), seed: finite }),
  evaluation: z.object({
    trainRows: z.number().int(),
    testRows: z.number().int(),
    confusion: z.array(z.array(z.number())),
  }),
  forest: z.looseObject({ format: z.string(), formatVersion: z.number() }),
});

type ModelFile = z.infer<typeof modelFileSchema>;

function incompatible(path: string, why: string, cause?: unknown): ConclaveError {
  return new ConclaveError('MODEL_INCOMPATIBLE', `model file ${path}: ${why}`, { path }, { cause });
}

/**
 * Writes the model atomically: a temporary file in the same directory, then a rename, so a crash never
 * leaves half a model at `path`. Creates missing directories.
 * @throws ConclaveError VALIDATION_ERROR when the model is not a ForestModel (nothing else can be saved).
 */
export async function saveModel(model: TradingModel, path: string): Promise<void> {
  if (!(model instanceof ForestModel)) {
    throw new ConclaveError('VALIDATION_ERROR', `only forest models can be saved; got ${model.constructor?.name ?? typeof model}`);
  }
  const file: ModelFile = {
    format: MODEL_FILE_FORMAT,
    formatVersion: MODEL_FILE_VERSION,
    version: model.version,
    featureNames: [...model.featureNames],
    trainedOn: { ...model.trainedOn },
    metrics: { ...model.metrics },
    params: { ...model.params },
    evaluation: { ...model.evaluation, confusion: model.evaluation.confusion.map((r) => [...r]) },
    forest: model.forest.toJSON() as unknown as ModelFile['forest'],
  };
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(file));
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Reads a saved model.
 * @throws ConclaveError NOT_FOUND when the file does not exist.
 * @throws ConclaveError MODEL_INCOMPATIBLE when it is not valid JSON, not a model file, of another format
 *   version or feature set, or its forest is damaged. The message says what was expected and what was found.
 */
export async function loadModel(path: string): Promise<ForestModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConclaveError('NOT_FOUND', `model file ${path} does not exist`, { path }, { cause: error });
    }
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw incompatible(path, `not valid JSON (${(error as Error).message})`, error);
  }
  const head = raw as { format?: unknown; formatVersion?: unknown } | null;
  if (head?.format === MODEL_FILE_FORMAT && head.formatVersion !== MODEL_FILE_VERSION) {
    throw incompatible(path, `format version ${String(head.formatVersion)}, this build reads version ${MODEL_FILE_VERSION}`);
  }
  const parsed = modelFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw incompatible(
      path,
      `not a ${MODEL_FILE_FORMAT} v${MODEL_FILE_VERSION} file (${issue.path.join('.') || '<root>'}: ${issue.message})`,
    );
  }
  const file = parsed.data;
  if (file.featureNames.join(',') !== FEATURE_NAMES.join(',')) {
    throw incompatible(path, `features [${file.featureNames.join(', ')}], this build computes [${FEATURE_NAMES.join(', ')}]`);
  }
  const forest = RandomForest.fromJSON(file.forest as unknown as ForestJson);
  if (forest.nFeatures !== FEATURE_NAMES.length || forest.nClasses !== 3) {
    throw incompatible(
      path,
      `forest expects ${forest.nFeatures} features and ${forest.nClasses} classes, expected ${FEATURE_NAMES.length} and 3`,
    );
  }
  return new ForestModel(forest, {
    version: file.version,
    trainedOn: file.trainedOn,
    metrics: file.metrics,
    params: file.params,
    evaluation: file.evaluation,
  });
}

export interface LoadOrTrainOptions {
  readonly modelPath: string;
  /** Supplies training candles (oldest first) when a model must be trained; the caller owns the HTTP. */
  readonly fetchCandles: () => Promise<Candle[]>;
  readonly symbol: string;
  readonly interval: Interval;
  readonly labelThreshold: number;
  readonly trees: number;
  readonly maxDepth: number;
  readonly seed: number;
  /** The calendar of the venue the candles come from (calendarFor); default CONTINUOUS. */
  readonly calendar?: TradingCalendar;
  readonly onProgress?: (done: number, total: number) => void;
  readonly log?: (msg: string) => void;
}

/** Why a loaded model cannot serve these options, or null when it can. */
export function incompatibility(model: ForestModel, opts: LoadOrTrainOptions): string | null {
  const expected: [string, unknown, unknown][] = [
    ['symbol', model.trainedOn.symbol, opts.symbol],
    ['interval', model.trainedOn.interval, opts.interval],
    ['labelThreshold', model.trainedOn.labelThreshold, opts.labelThreshold],
    ['trees', model.params.trees, opts.trees],
    ['maxDepth', model.params.maxDepth, opts.maxDepth],
    ['seed', model.params.seed, opts.seed],
  ];
  const diffs = expected.filter(([, saved, wanted]) => saved !== wanted).map(([k, saved, wanted]) => `${k} ${saved} (want ${wanted})`);
  return diffs.length === 0 ? null : `saved model differs: ${diffs.join(', ')}`;
}

/**
 * Loads the model at `modelPath` when present and compatible (see the top of this file); otherwise trains
 * one on `fetchCandles()` and saves it there. A corrupt or incompatible file is logged with its
 * MODEL_INCOMPATIBLE reason and replaced. A failed save is logged and the trained model is still returned.
 * @throws whatever fetchCandles throws, and trainModel's INSUFFICIENT_DATA.
 */
export async function loadOrTrain(opts: LoadOrTrainOptions): Promise<{ model: ForestModel; source: 'loaded' | 'trained' }> {
  const log = opts.log ?? (() => {});
  try {
    const model = await loadModel(opts.modelPath);
    const why = incompatibility(model, opts);
    if (why === null) {
      log(`model ${model.version} loaded from ${opts.modelPath}`);
      return { model, source: 'loaded' };
    }
    log(`MODEL_INCOMPATIBLE: ${opts.modelPath}: ${why}; retraining`);
  } catch (error) {
    if (isConclaveError(error, 'NOT_FOUND')) log(`no model at ${opts.modelPath}; training`);
    else if (isConclaveError(error, 'MODEL_INCOMPATIBLE')) log(`MODEL_INCOMPATIBLE: ${error.message}; retraining`);
    else log(`MODEL_INCOMPATIBLE: cannot read ${opts.modelPath} (${(error as Error).message}); retraining`);
  }
  const candles = await opts.fetchCandles();
  const model = trainModel(candles, {
    symbol: opts.symbol,
    interval: opts.interval,
    labelThreshold: opts.labelThreshold,
    trees: opts.trees,
    maxDepth: opts.maxDepth,
    seed: opts.seed,
    calendar: opts.calendar,
    onProgress: opts.onProgress,
  });
  try {
    await saveModel(model, opts.modelPath);
    log(`model ${model.version} trained on ${model.trainedOn.rows} rows and saved to ${opts.modelPath}`);
  } catch (error) {
    log(`model ${model.version} trained but not saved to ${opts.modelPath}: ${(error as Error).message}`);
  }
  return { model, source: 'trained' };
}

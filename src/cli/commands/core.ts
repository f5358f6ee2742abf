import type { Command } from 'commander';
import { calendarFor } from '../../domain/trading-calendar.js';
import { LiveClock } from '../../engine/clock.js';
import { createMarketSource } from '../../market/factory.js';
import { trainModel } from '../../ml/model.js';
import { formatP } from '../../ml/model-inference.js';
import { saveModel } from '../../ml/model-loader.js';
import { EDGE_ALPHA } from '../../ml/significance.js';
import { cliContext, progressBar } from '../context.js';

/** `serve`, `cycle`, `train`: the seed system from the command line. */
export function registerCoreCommands(program: Command): void {
  program
    .command('serve')
    .description('Start the API server with the paper-trading engine (same as npm start)')
    .action(async () => {
      // Loaded on use: the server's dependencies (fastify and its plugins) would slow every other command's start.
      const { serve } = await import('../../serve.js');
      await serve();
    });

  program
    .command('cycle')
    .description('Run one trading cycle and print its JSON (the body of POST /trading/run-cycle)')
    .option('-s, --symbol <symbol>', 'symbol, e.g. BTCUSDT or BTC')
    .action(async (opts: { symbol?: string }) => {
      const { config, log } = cliContext();
      const { createRuntime } = await import('../../runtime.js');
      const bar = progressBar('training model');
      const runtime = await createRuntime(config, log, { onTrainProgress: (d, t) => bar.update(d, t) });
      bar.stop();
      try {
        const outcome = await runtime.engine.runCycle(runtime.market.resolveSymbol(opts.symbol));
        process.stdout.write(`${JSON.stringify(outcome.response, null, 2)}\n`);
      } finally {
        await runtime.close();
      }
    });

  program
    .command('train')
    .description('Train the model on TRAINING_CANDLES candles from the market source and save it to MODEL_PATH')
    .option('-n, --candles <n>', 'candles to train on (overrides TRAINING_CANDLES)')
    .option('-o, --out <path>', 'where to save (overrides MODEL_PATH)')
    .action(async (opts: { candles?: string; out?: string }) => {
      const { config } = cliContext({ TRAINING_CANDLES: opts.candles, MODEL_PATH: opts.out });
      const clock = new LiveClock();
      const source = createMarketSource(config, { now: () => clock.now() });
      process.stderr.write(
        `fetching ${config.TRAINING_CANDLES} ${config.KLINE_INTERVAL} candles of ${config.DEFAULT_SYMBOL} from ${source.venue}\n`,
      );
      const { fetchTrainingCandles } = await import('../../runtime.js');
      const candles = await fetchTrainingCandles(source, config, clock.now());
      const bar = progressBar('training trees');
      const model = trainModel(candles, {
        symbol: config.DEFAULT_SYMBOL,
        interval: config.KLINE_INTERVAL,
        labelThreshold: config.LABEL_THRESHOLD,
        trees: config.MODEL_TREES,
        maxDepth: config.MODEL_MAX_DEPTH,
        seed: config.MODEL_SEED,
        calendar: calendarFor(source.venue),
        onProgress: (d, t) => bar.update(d, t),
      });
      bar.stop();
      await saveModel(model, config.MODEL_PATH);
      const m = model.metrics;
      const edge = {
        test: 'exact one-sided McNemar vs majority class',
        p_value: m.edgePValue,
        alpha: EDGE_ALPHA,
        has_edge: model.hasMeasuredEdge,
      };
      process.stdout.write(
        `${JSON.stringify({ model_version: model.version, path: config.MODEL_PATH, trained_on: model.trainedOn, metrics: m, edge }, null, 2)}\n`,
      );
      process.stderr.write(
        `held-out accuracy ${m.testAccuracy.toFixed(3)} vs majority baseline ${m.majorityBaseline.toFixed(3)}: p=${formatP(m.edgePValue)} -> ${
          model.hasMeasuredEdge ? `edge at alpha ${EDGE_ALPHA}` : 'no measured edge'
        }\n`,
      );
    });
}

import { join } from 'node:path';
import cliProgress from 'cli-progress';

/** `train projection`: the embedded encoder's learned projection, into models/ (rebuilt at next start). */
export async function trainProjectionCommand(options: { data?: string[]; out?: string }): Promise<void> {
  const { trainProjectionTask } = await import('./training/projection-task.ts');
  const bar = new cliProgress.SingleBar(
    { format: 'epochs [{bar}] {value}/{total} {detail}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const tty = process.stderr.isTTY === true;
  let started = false;
  const result = await trainProjectionTask(
    {
      ...(options.data?.[0] ? { file: options.data[0] } : {}),
      ...(options.out ? { out: join(options.out, 'projection.json') } : {}),
    },
    (epoch) => {
      const detail = `loss ${epoch.loss.toFixed(4)}, held-out Spearman ${epoch.heldOutSpearman.toFixed(4)}`;
      if (!tty) return console.error(`epoch ${epoch.epoch}/${epoch.maxEpochs}: ${detail}`);
      if (!started) bar.start(epoch.maxEpochs, 0, { detail });
      started = true;
      bar.update(epoch.epoch, { detail });
    },
  ).finally(() => bar.stop());
  const { before, after } = result.training.heldOutSpearman;
  console.log(
    `projection: wrote ${result.file} (${result.trainPairs} pairs trained, ${result.heldOutPairs} held out; best epoch ${result.training.bestEpoch}); held-out Spearman ${before.toFixed(4)} → ${after.toFixed(4)}. The encoder is rebuilt with it at the next start (or \`semantic-router models build\`); retrain the heads over it.`,
  );
}

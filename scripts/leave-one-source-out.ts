/**
 * Leave-one-source-out for the jailbreak head (printed by `npm run eval`, or alone):
 *
 *   node --import tsx scripts/leave-one-source-out.ts [--folds K] [--source NAME ...]
 *
 * For each source of the jailbreak data, a head is trained by the shipped recipe on every other
 * source and measured on all of that source's rows at the threshold its own training chose: the
 * measure of how the head does on traffic unlike anything it was trained on. By default each run
 * trains one model (early-stopped and thresholded on the inner split of its training rows) instead
 * of the shipped head's five cross-fitted ones, so the whole run takes minutes, not hours.
 */
import { ensureStaticEncoder } from '../src/models/static-encoder/ensure-static-encoder.ts';
import { StaticEncoder } from '../src/models/static-encoder/static-encoder.ts';
import { STATIC_ENCODER_DIR } from '../src/models/static-encoder/static-encoder-files.ts';
import { defaultDataFiles, prepareTaskRun } from '../src/training/head-tasks.ts';
import { leaveOneSourceOut, rowSources, type SourceOutcome } from '../src/training/leave-one-source-out.ts';

const pct = (part: number, whole: number) =>
  whole === 0 ? '    -' : `${((100 * part) / whole).toFixed(1).padStart(5)}%`;

function line(o: SourceOutcome): string {
  const attacks =
    o.attacks > 0
      ? `${pct(o.caught, o.attacks)} of ${String(o.attacks).padStart(4)} attacks`
      : ' '.repeat(21);
  const benign =
    o.benign > 0 ? `flagged ${pct(o.flagged, o.benign)} of ${String(o.benign).padStart(4)} benign` : '';
  return `${o.source.padEnd(18)} ${attacks}  ${benign.padEnd(30)} threshold ${o.threshold.toFixed(3)}, ${o.droppedNearDuplicates} near-duplicates dropped`;
}

/** Runs leave-one-source-out and prints one line per source, then the pooled figures. */
export async function printLeaveOneSourceOut(
  encoder: StaticEncoder,
  folds: number,
  only?: readonly string[],
) {
  const { options } = prepareTaskRun({
    task: 'jailbreak',
    files: defaultDataFiles('jailbreak'),
    seed: 1,
    encoder,
    folds,
  });
  const sources = only && only.length > 0 ? only : rowSources(options.dataset.rows);
  console.log(
    `\n== leave-one-source-out: ${sources.length} sources, ${folds === 1 ? 'one model' : `${folds} cross-fitted models`} per run ==`,
  );
  const outcomes = await leaveOneSourceOut(options, sources, (o) => console.log(line(o)));
  const attackSources = outcomes.filter((o) => o.attacks > 0);
  const caught = attackSources.reduce((n, o) => n + o.caught, 0);
  const attacks = attackSources.reduce((n, o) => n + o.attacks, 0);
  const worstAttack = attackSources.reduce(
    (w, o) => (o.caught / o.attacks < w.caught / w.attacks ? o : w),
    attackSources[0] as SourceOutcome,
  );
  const benignSources = outcomes.filter((o) => o.benign > 0);
  const worstBenign = benignSources.reduce(
    (w, o) => (o.flagged / o.benign > w.flagged / w.benign ? o : w),
    benignSources[0] as SourceOutcome,
  );
  console.log(
    `pooled recall ${pct(caught, attacks)} of ${attacks} attacks; lowest ${worstAttack.source} ${pct(worstAttack.caught, worstAttack.attacks)}; most benign flagged ${worstBenign.source} ${pct(worstBenign.flagged, worstBenign.benign)}`,
  );
  return outcomes;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  let folds = 1;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--folds') folds = Number(argv[++i]);
    else if (argv[i] === '--source') only.push(argv[++i] ?? '');
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  ensureStaticEncoder(STATIC_ENCODER_DIR, (dir) => console.error(`building the static encoder into ${dir}…`));
  await printLeaveOneSourceOut(await StaticEncoder.load(STATIC_ENCODER_DIR), folds, only);
}

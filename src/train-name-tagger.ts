import { NAME_TAGGER_DIR } from './signals/pii/name-tagger.ts';

/** `train pii`: the named-entity tagger of the `pii` signal, into models/pii-names. */
export async function trainNameTaggerCommand(options: {
  data?: string[];
  out?: string;
  seed: number;
}): Promise<void> {
  const { DEFAULT_NAME_TAGGER_OPTIONS, trainNameTagger } = await import('./training/name-tagger-task.ts');
  const { sharedModelLibrary } = await import('./models/shared-model-library.ts');
  const { STATIC_ENCODER_DIR, STATIC_ENCODER_FILES } = await import(
    './models/static-encoder/static-encoder-files.ts'
  );
  const { join } = await import('node:path');
  const encoder = await sharedModelLibrary().staticEncoder().get();
  const out = options.out ?? NAME_TAGGER_DIR;
  const card = await trainNameTagger(
    {
      ...DEFAULT_NAME_TAGGER_OPTIONS,
      ...(options.data?.[0] ? { data: options.data[0] } : {}),
      out,
      encoder,
      vocabularyFile: join(STATIC_ENCODER_DIR, STATIC_ENCODER_FILES.vocabulary),
      trainer: { ...DEFAULT_NAME_TAGGER_OPTIONS.trainer, seed: options.seed },
    },
    (line) => console.error(line),
  );
  console.log(`pii-names: wrote ${out}; validation span precision / recall (exact, overlap):`);
  const metrics = (
    card.metrics as { validation: Record<string, Record<string, { precision: number; recall: number }>> }
  ).validation;
  for (const [type, modes] of Object.entries(metrics))
    console.log(
      `${type.padEnd(15)} ${Object.entries(modes)
        .map(([mode, m]) => `${mode} ${m.precision.toFixed(3)} / ${m.recall.toFixed(3)}`)
        .join('   ')}`,
    );
}

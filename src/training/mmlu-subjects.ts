/**
 * The MMLU subject → MMLU-Pro category mapping used to label the RouteLLM MMLU prompts as extra
 * training rows of the domain head. It is the mapping MMLU-Pro itself applied: every MMLU-derived
 * row of `domain/train_mmlu_pro.jsonl` carries `src: "ori_mmlu-<subject>"` next to its `category`,
 * and each subject maps to exactly one category there (checked by a test against that file).
 * Note `professional_accounting` → other (not business), as MMLU-Pro has it.
 *
 * `moral_scenarios` is absent from MMLU-Pro (it dropped the subject: a single two-scenario template),
 * so it has no category and its rows are not used.
 */
export const MMLU_SUBJECT_CATEGORY: Readonly<Record<string, string>> = {
  abstract_algebra: 'math',
  college_mathematics: 'math',
  elementary_mathematics: 'math',
  high_school_mathematics: 'math',
  high_school_statistics: 'math',

  anatomy: 'health',
  clinical_knowledge: 'health',
  college_medicine: 'health',
  human_aging: 'health',
  medical_genetics: 'health',
  nutrition: 'health',
  professional_medicine: 'health',
  virology: 'health',

  college_computer_science: 'computer science',
  computer_security: 'computer science',
  high_school_computer_science: 'computer science',
  machine_learning: 'computer science',

  econometrics: 'economics',
  high_school_macroeconomics: 'economics',
  high_school_microeconomics: 'economics',

  business_ethics: 'business',
  management: 'business',
  marketing: 'business',

  international_law: 'law',
  jurisprudence: 'law',
  professional_law: 'law',

  formal_logic: 'philosophy',
  logical_fallacies: 'philosophy',
  moral_disputes: 'philosophy',
  philosophy: 'philosophy',
  world_religions: 'philosophy',

  high_school_psychology: 'psychology',
  professional_psychology: 'psychology',

  astronomy: 'physics',
  college_physics: 'physics',
  conceptual_physics: 'physics',
  high_school_physics: 'physics',

  college_chemistry: 'chemistry',
  high_school_chemistry: 'chemistry',

  college_biology: 'biology',
  high_school_biology: 'biology',

  electrical_engineering: 'engineering',

  high_school_european_history: 'history',
  high_school_us_history: 'history',
  high_school_world_history: 'history',
  prehistory: 'history',

  global_facts: 'other',
  high_school_geography: 'other',
  high_school_government_and_politics: 'other',
  human_sexuality: 'other',
  miscellaneous: 'other',
  professional_accounting: 'other',
  public_relations: 'other',
  security_studies: 'other',
  sociology: 'other',
  us_foreign_policy: 'other',
};

/** MMLU subjects whose rows are skipped (no MMLU-Pro category). */
export const MMLU_SKIPPED_SUBJECTS: readonly string[] = ['moral_scenarios'];

const OPTIONS_TAIL = /\nA\.\s[\s\S]*\nB\.\s[\s\S]*\nC\.\s[\s\S]*\nD\.\s[\s\S]*\nAnswer:\s*$/;

/**
 * Splits an MMLU prompt in the RouteLLM format ("question\nA. …\nB. …\nC. …\nD. …\nAnswer:") into
 * the question alone and the question with its lettered options (no trailing "Answer:").
 */
export function splitMmluPrompt(prompt: string): { question: string; withOptions: string } {
  const match = OPTIONS_TAIL.exec(prompt);
  if (!match) return { question: prompt.trim(), withOptions: prompt.trim() };
  const question = prompt.slice(0, match.index).trim();
  const withOptions = prompt.replace(/\nAnswer:\s*$/, '').trim();
  return { question: question === '' ? withOptions : question, withOptions };
}

/**
 * Checks the mapping against the category MMLU-Pro itself gives each question taken from MMLU (its
 * `src` is `ori_mmlu-<subject>`); returns one message per disagreement. Training the domain head
 * refuses to use the MMLU prompts when this finds any.
 */
export function subjectMappingConflicts(
  rows: readonly { source?: string | undefined; label: string }[],
): string[] {
  const conflicts = new Set<string>();
  for (const row of rows) {
    if (!row.source?.startsWith('ori_mmlu-')) continue;
    const subject = row.source.slice('ori_mmlu-'.length);
    const mapped = MMLU_SUBJECT_CATEGORY[subject];
    if (mapped !== row.label)
      conflicts.add(`${subject}: MMLU-Pro says ${row.label}, the mapping says ${mapped ?? 'nothing'}`);
  }
  return [...conflicts];
}

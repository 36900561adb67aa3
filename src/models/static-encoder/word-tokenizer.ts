/**
 * Splits text into the lower-case words of a word-vector vocabulary. A word is a run of letters and
 * digits, possibly joined by inner hyphens, apostrophes or dots ("cross-country", "u.s.", "3.5");
 * a joined word missing from the vocabulary falls back to its parts ("don't" → "don", "t").
 * Punctuation and symbols are dropped: the frequency weighting would give them almost no weight.
 */
const WORD = /[\p{L}\p{N}]+(?:['’.-][\p{L}\p{N}]+)*/gu;
const JOINERS = /['’.-]/u;

export interface WordVocabulary {
  /** The row of a word, or undefined when the vocabulary lacks it. */
  idOf(word: string): number | undefined;
}

/** The vocabulary rows of the words of `text`, in order; unknown words are skipped. */
export function wordIds(
  text: string,
  vocabulary: WordVocabulary,
  limit = Number.POSITIVE_INFINITY,
): number[] {
  const ids: number[] = [];
  for (const match of text.toLowerCase().matchAll(WORD)) {
    if (ids.length >= limit) break;
    const word = match[0];
    const id = vocabulary.idOf(word);
    if (id !== undefined) {
      ids.push(id);
      continue;
    }
    if (!JOINERS.test(word)) continue;
    for (const part of word.split(/['’.-]/u)) {
      const partId = part === '' ? undefined : vocabulary.idOf(part);
      if (partId !== undefined) ids.push(partId);
    }
  }
  return ids;
}

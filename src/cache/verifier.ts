import { distance } from 'fastest-levenshtein';
import { type TextFacts, textFacts } from './text-facts.ts';

/** Why the verifier refused a candidate: the first fact on which the two questions disagree. */
export type VerifierVerdict =
  | { readonly agrees: true }
  | {
      readonly agrees: false;
      readonly reason:
        | 'negation'
        | 'numbers'
        | 'entities'
        | 'question'
        | 'modality'
        | 'antonym'
        | 'roles'
        | 'order'
        | 'content';
      readonly detail: string;
    };

/** How strict the verifier is about content words (the other checks are exact). */
export interface VerifierSettings {
  /** Content words the two questions may not share (both sides together). */
  readonly maxUnmatchedWords: number;
  /** The same as a share of the longer question's content words (the smaller limit applies). */
  readonly maxUnmatchedShare: number;
  /**
   * How many more unmatched content words one side may have than the other: a paraphrase swaps
   * words for others, a different question adds or drops some.
   */
  readonly maxExtraWords: number;
}

export const DEFAULT_VERIFIER: VerifierSettings = {
  maxUnmatchedWords: 6,
  maxUnmatchedShare: 0.34,
  maxExtraWords: 1,
};

/** Opposites that a prefix does not show. Both words are stems (see `stem`). */
const OPPOSITES: readonly (readonly [string, string])[] = [
  ['enabl', 'disabl'],
  ['on', 'off'],
  ['increas', 'decreas'],
  ['rais', 'lower'],
  ['add', 'remov'],
  ['add', 'delet'],
  ['insert', 'delet'],
  ['allow', 'deny'],
  ['allow', 'block'],
  ['accept', 'reject'],
  ['open', 'clos'],
  ['start', 'stop'],
  ['begin', 'end'],
  ['buy', 'sell'],
  ['bought', 'sold'],
  ['import', 'export'],
  ['push', 'pull'],
  ['upload', 'download'],
  ['encrypt', 'decrypt'],
  ['compress', 'decompress'],
  ['true', 'fals'],
  ['win', 'los'],
  ['won', 'lost'],
  ['min', 'max'],
  ['minimum', 'maximum'],
  ['minim', 'maxim'],
  ['larg', 'small'],
  ['big', 'small'],
  ['high', 'low'],
  ['higher', 'lower'],
  ['best', 'worst'],
  ['better', 'wors'],
  ['fast', 'slow'],
  ['faster', 'slower'],
  ['old', 'new'],
  ['older', 'newer'],
  ['earli', 'lat'],
  ['first', 'last'],
  ['befor', 'after'],
  ['abov', 'below'],
  ['insid', 'outsid'],
  ['includ', 'exclud'],
  ['left', 'right'],
  ['north', 'south'],
  ['east', 'west'],
  ['man', 'woman'],
  ['men', 'women'],
  ['boy', 'girl'],
  ['male', 'femal'],
  ['hot', 'cold'],
  ['warm', 'cold'],
  ['up', 'down'],
  ['in', 'out'],
  ['pass', 'fail'],
  ['succe', 'fail'],
  ['success', 'failur'],
  ['connect', 'disconnect'],
  ['lock', 'unlock'],
  ['sync', 'async'],
  ['synchronous', 'asynchronous'],
  ['public', 'privat'],
  ['internal', 'external'],
  ['input', 'output'],
  ['client', 'server'],
  ['read', 'writ'],
  ['ascend', 'descend'],
  ['positiv', 'negativ'],
  ['rise', 'fall'],
  ['ros', 'fell'],
  ['gain', 'loss'],
  ['profit', 'loss'],
  ['agre', 'disagre'],
  ['like', 'dislik'],
  ['love', 'hat'],
  ['legal', 'illegal'],
];

const OPPOSITE_OF = new Map<string, Set<string>>();
for (const [a, b] of OPPOSITES) {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    let set = OPPOSITE_OF.get(x);
    if (!set) {
      set = new Set();
      OPPOSITE_OF.set(x, set);
    }
    set.add(y);
  }
}

const NEGATING_PREFIXES = ['un', 'dis', 'in', 'im', 'ir', 'il', 'non', 'de', 'anti', 'mis'];

/** `able` / `unable`, `connect` / `disconnect`, `legal` / `illegal`, or a listed pair. */
export function opposite(a: string, b: string): boolean {
  if (OPPOSITE_OF.get(a)?.has(b)) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (short.length < 3 || !long.endsWith(short)) return false;
  const prefix = long.slice(0, long.length - short.length);
  return NEGATING_PREFIXES.includes(prefix.replace(/-$/, ''));
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function missingFrom(entities: ReadonlySet<string>, other: TextFacts): string | undefined {
  for (const entity of entities) if (!other.tokens.has(entity)) return entity;
  return undefined;
}

/** The names and numbers of `facts` that `other` has too, each at its first place. */
function sharedInOrder(facts: TextFacts, other: TextFacts): string[] {
  const theirs = new Set(other.sequence);
  return [...new Set(facts.sequence.filter((item) => theirs.has(item)))];
}

/** Words this long or longer match a word one edit away (`gasses` / `gases`, `armor` / `armour`). */
const SPELLING_VARIANT_CHARS = 5;
/** Texts with more unmatched words than this are not checked for spelling variants. */
const MAX_SPELLING_CHECKS = 32;

/** Content words of `mine` that `theirs` lacks, spelling variants counted as matched. */
function unmatched(mine: ReadonlySet<string>, theirs: ReadonlySet<string>): string[] {
  const missing = [...mine].filter((word) => !theirs.has(word));
  // Far apart anyway (and the comparison stays bounded): no spelling relief.
  if (missing.length === 0 || missing.length > MAX_SPELLING_CHECKS) return missing;
  const others = [...theirs]
    .filter((word) => !mine.has(word) && word.length >= SPELLING_VARIANT_CHARS - 1)
    .slice(0, MAX_SPELLING_CHECKS * 4);
  return missing.filter(
    (word) => word.length < SPELLING_VARIANT_CHARS || !others.some((other) => distance(word, other) <= 1),
  );
}

/** Why a pair disagrees: one fact on which the two questions differ. */
export type Refusal = Extract<VerifierVerdict, { agrees: false }>;

/** The reasons that change what is asked whatever the rest of the pair says (never learned away). */
export const HARD_REASONS: ReadonlySet<Refusal['reason']> = new Set([
  'negation',
  'numbers',
  'entities',
  'antonym',
  'order',
]);

/**
 * Everything the verifier compares in a pair: each rule's refusal (in the verifier's order, the
 * cheapest and surest first) and the content-word counts behind the last rule. Symmetric.
 */
export interface FactComparison {
  readonly refusals: readonly Refusal[];
  /** Content words (stems) of each side. */
  readonly contentA: number;
  readonly contentB: number;
  /** Content words of each side the other lacks (spelling variants matched). */
  readonly onlyA: number;
  readonly onlyB: number;
  /** Names of one side the other lacks. */
  readonly entitiesOneSide: number;
}

/** Compares two questions on every fact the verifier reads (see {@link verifyFacts}). */
export function compareFacts(
  a: TextFacts,
  b: TextFacts,
  settings: VerifierSettings = DEFAULT_VERIFIER,
): FactComparison {
  const refusals: Refusal[] = [];
  if (a.negations !== b.negations)
    refusals.push({
      agrees: false,
      reason: 'negation',
      detail: `${a.negations} against ${b.negations} negations`,
    });
  if (!sameList(a.numbers, b.numbers))
    refusals.push({
      agrees: false,
      reason: 'numbers',
      detail: `[${a.numbers.join(', ')}] against [${b.numbers.join(', ')}]`,
    });
  // A name on each side that the other lacks is a substitution (France / Germany); a name on one
  // side only is an extra content word, judged with the others below.
  const missingInB = missingFrom(a.entities, b);
  const missingInA = missingFrom(b.entities, a);
  if (missingInB !== undefined && missingInA !== undefined)
    refusals.push({ agrees: false, reason: 'entities', detail: `${missingInB} against ${missingInA}` });
  if (!sameSet(a.modality, b.modality))
    refusals.push({
      agrees: false,
      reason: 'modality',
      detail: `${[...a.modality].join('+') || 'none'} against ${[...b.modality].join('+') || 'none'}`,
    });
  if (!sameSet(a.questions, b.questions))
    refusals.push({
      agrees: false,
      reason: 'question',
      detail: `${[...a.questions].join('+') || 'none'} against ${[...b.questions].join('+') || 'none'}`,
    });
  const inA = new Set(a.content);
  const inB = new Set(b.content);
  const onlyA = unmatched(inA, inB);
  const onlyB = unmatched(inB, inA);
  // A name where the other text has another word is a substitution (`Bush gets...` / `Obama gets...`).
  const named = onlyA.find((word) => a.entities.has(word)) ?? onlyB.find((word) => b.entities.has(word));
  if (named !== undefined && onlyA.length > 0 && onlyB.length > 0)
    refusals.push({ agrees: false, reason: 'entities', detail: `${named} replaced` });
  antonyms: for (const x of onlyA)
    for (const y of onlyB)
      if (opposite(x, y)) {
        refusals.push({ agrees: false, reason: 'antonym', detail: `${x} against ${y}` });
        break antonyms;
      }
  for (const [key, role] of a.roles) {
    const other = b.roles.get(key);
    if (other !== undefined && other !== role) {
      refusals.push({ agrees: false, reason: 'roles', detail: `${role} ${key} against ${other} ${key}` });
      break;
    }
  }
  const orderA = sharedInOrder(a, b);
  const orderB = sharedInOrder(b, a);
  if (!sameList(orderA, orderB))
    refusals.push({
      agrees: false,
      reason: 'order',
      detail: `${orderA.join(' ')} against ${orderB.join(' ')}`,
    });
  const limit = (words: number) =>
    Math.min(settings.maxUnmatchedWords, Math.floor(words * settings.maxUnmatchedShare));
  // Words swapped for others count on both sides: in a short text one swap changes the question.
  if (
    onlyA.length + onlyB.length > limit(Math.max(inA.size, inB.size)) ||
    Math.abs(onlyA.length - onlyB.length) > settings.maxExtraWords
  )
    refusals.push({
      agrees: false,
      reason: 'content',
      detail: `${[...onlyA, ...onlyB].slice(0, 6).join(', ')} on one side only`,
    });
  let entitiesOneSide = 0;
  for (const entity of a.entities) if (!b.tokens.has(entity)) entitiesOneSide++;
  for (const entity of b.entities) if (!a.tokens.has(entity)) entitiesOneSide++;
  return {
    refusals,
    contentA: inA.size,
    contentB: inB.size,
    onlyA: onlyA.length,
    onlyB: onlyB.length,
    entitiesOneSide,
  };
}

/**
 * Whether a stored question and a new one, close in embedding space, ask the same thing: the
 * checks run from the cheapest and surest (negation, numbers, entities, question word) to the
 * content words. Any disagreement makes the candidate a miss. Symmetric.
 */
export function verifyFacts(
  a: TextFacts,
  b: TextFacts,
  settings: VerifierSettings = DEFAULT_VERIFIER,
): VerifierVerdict {
  return compareFacts(a, b, settings).refusals[0] ?? { agrees: true };
}

/** {@link verifyFacts} on two texts. */
export function verifyTexts(
  a: string,
  b: string,
  settings: VerifierSettings = DEFAULT_VERIFIER,
): VerifierVerdict {
  return verifyFacts(textFacts(a), textFacts(b), settings);
}

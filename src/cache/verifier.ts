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
        | 'antonym'
        | 'roles'
        | 'order'
        | 'content';
      readonly detail: string;
    };

/** How strict the verifier is about content words (the other checks are exact). */
export interface VerifierSettings {
  /** Content words one question may have that the other lacks, per side. */
  readonly maxUnmatchedWords: number;
  /** The same as a share of the question's content words (the smaller limit applies). */
  readonly maxUnmatchedShare: number;
}

export const DEFAULT_VERIFIER: VerifierSettings = { maxUnmatchedWords: 2, maxUnmatchedShare: 0.34 };

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
  if (a.negations !== b.negations)
    return { agrees: false, reason: 'negation', detail: `${a.negations} against ${b.negations} negations` };
  if (!sameList(a.numbers, b.numbers))
    return {
      agrees: false,
      reason: 'numbers',
      detail: `[${a.numbers.join(', ')}] against [${b.numbers.join(', ')}]`,
    };
  const missing = missingFrom(a.entities, b) ?? missingFrom(b.entities, a);
  if (missing !== undefined)
    return { agrees: false, reason: 'entities', detail: `${missing} on one side only` };
  if (!sameSet(a.questions, b.questions))
    return {
      agrees: false,
      reason: 'question',
      detail: `${[...a.questions].join('+') || 'none'} against ${[...b.questions].join('+') || 'none'}`,
    };
  const inA = new Set(a.content);
  const inB = new Set(b.content);
  const onlyA = [...inA].filter((word) => !inB.has(word));
  const onlyB = [...inB].filter((word) => !inA.has(word));
  for (const x of onlyA)
    for (const y of onlyB)
      if (opposite(x, y)) return { agrees: false, reason: 'antonym', detail: `${x} against ${y}` };
  for (const [key, role] of a.roles) {
    const other = b.roles.get(key);
    if (other !== undefined && other !== role)
      return { agrees: false, reason: 'roles', detail: `${role} ${key} against ${other} ${key}` };
  }
  const shared = (facts: TextFacts, other: TextFacts) =>
    facts.sequence.filter((item) => other.sequence.includes(item));
  const orderA = shared(a, b);
  const orderB = shared(b, a);
  if (
    new Set(orderA).size === orderA.length &&
    new Set(orderB).size === orderB.length &&
    !sameList(orderA, orderB)
  )
    return { agrees: false, reason: 'order', detail: `${orderA.join(' ')} against ${orderB.join(' ')}` };
  const limit = (words: number) =>
    Math.min(settings.maxUnmatchedWords, Math.floor(words * settings.maxUnmatchedShare));
  if (onlyA.length > limit(inA.size) || onlyB.length > limit(inB.size))
    return {
      agrees: false,
      reason: 'content',
      detail: `${[...onlyA, ...onlyB].slice(0, 6).join(', ')} on one side only`,
    };
  return { agrees: true };
}

/** {@link verifyFacts} on two texts. */
export function verifyTexts(
  a: string,
  b: string,
  settings: VerifierSettings = DEFAULT_VERIFIER,
): VerifierVerdict {
  return verifyFacts(textFacts(a), textFacts(b), settings);
}

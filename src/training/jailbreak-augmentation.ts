import { shuffleInPlace } from '../models/seeded-random.ts';
import type { LabeledText } from './labeled-text.ts';

/**
 * Synthetic prompts that break the link between length and label in the jailbreak data, where
 * attacks are long and benign prompts short: long benign prompts (several benign prompts joined,
 * or one wrapped in benign context), short attacks (the opening of a long attack), attacks
 * embedded in benign text, short benign prompts (the opening words of a benign prompt, so that
 * shortness itself does not read as an attack), and role-play openings ("Act as a …") before
 * benign tasks and before attacks alike, so that a persona alone does not read as a jailbreak;
 * and a few words cut from anywhere in a benign prompt, because the data's shortest rows are
 * mostly injections (password guesses such as "en passant"), which taught heads that a lone word
 * ("hello") is an attack. Built only from the rows given, so training and validation sides stay apart.
 */
export type AugmentationKind =
  | 'long-benign'
  | 'benign-in-context'
  | 'short-benign'
  | 'short-attack'
  | 'embedded-attack'
  | 'persona-benign'
  | 'persona-attack'
  | 'suffixed-attack'
  | 'few-words-benign';

/** Every kind, in the order rows are made. */
export const AUGMENTATION_KINDS: readonly AugmentationKind[] = [
  'long-benign',
  'benign-in-context',
  'short-benign',
  'short-attack',
  'embedded-attack',
  'persona-benign',
  'persona-attack',
  'suffixed-attack',
  'few-words-benign',
];

const SUFFIX_SYMBOLS = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '\\',
  '"',
  "'",
  '!',
  '?',
  '.',
  ',',
  ';',
  ':',
  '<',
  '>',
  '=',
  '+',
  '-',
  '*',
  '/',
  '#',
  '$',
  '%',
  '^',
  '&',
  '_',
  '~',
  '|',
  '@',
  '`',
];

/**
 * A gibberish suffix in the manner of optimised adversarial strings: words lifted from other texts,
 * fused or re-cased, between runs of symbols.
 */
function gibberishSuffix(words: readonly string[], random: () => number): string {
  const tokens: string[] = [];
  const count = 8 + Math.floor(random() * 16);
  for (let i = 0; i < count; i++) {
    const roll = random();
    if (roll < 0.35) {
      let run = '';
      for (let j = 1 + Math.floor(random() * 4); j > 0; j--) run += pick(SUFFIX_SYMBOLS, random);
      tokens.push(run);
    } else if (roll < 0.55) {
      const a = pick(words, random);
      const b = pick(words, random);
      tokens.push(`${a}${b.charAt(0).toUpperCase()}${b.slice(1)}`);
    } else {
      const word = pick(words, random);
      tokens.push(random() < 0.2 ? word.toUpperCase() : word);
    }
  }
  return tokens.join(random() < 0.7 ? ' ' : '');
}

/**
 * Role-play openings, common in ordinary prompts ("Act as a math teacher…") and in jailbreaks alike:
 * paired with benign tasks and with attacks, they teach that the persona is not the attack.
 */
const PERSONA_OPENINGS = [
  'Act as a {role}.',
  'You are a {role}.',
  'I want you to act as a {role}.',
  'Pretend you are a {role}.',
  'Imagine you are a {role}.',
  'From now on you are a {role}.',
  'Please assume the role of a {role}.',
  'Play the part of a {role} for this conversation.',
];

const PERSONA_ROLES = [
  'math teacher',
  'travel guide',
  'career coach',
  'translator',
  'senior software engineer',
  'historian',
  'poet',
  'personal trainer',
  'financial advisor',
  'journalist',
  'novelist',
  'customer support agent',
  'librarian',
  'marketing expert',
  'chef',
  'pirate',
  'stand-up comedian',
  'debate coach',
  'virtual assistant',
  'Linux terminal',
];

export const AUGMENTED_SOURCE = 'augmented';

const CONTEXT_OPENINGS = [
  'Here is some background before my question.',
  'I am preparing notes for a class and collected these tasks:',
  'Context from earlier in our conversation:',
  'Please read the following material first.',
  'Below are several requests from my to-do list.',
];

const QUESTION_LEADS = [
  'My actual question:',
  'Now, please help with this:',
  'Task:',
  'With that in mind,',
  '',
];

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** The opening of `text` cut at a word boundary near `length` characters. */
function openingOf(text: string, length: number): string {
  if (text.length <= length) return text;
  const cut = text.lastIndexOf(' ', length);
  return text.slice(0, cut > length / 2 ? cut : length).trim();
}

/** One to three consecutive words from anywhere in `text`. */
function fewWordsOf(text: string, random: () => number): string {
  const words = text.split(/\s+/).filter((word) => word.length > 0);
  const count = 1 + Math.floor(random() * 3);
  const start = Math.floor(random() * Math.max(1, words.length - count + 1));
  return words.slice(start, start + count).join(' ');
}

function persona(random: () => number): string {
  return pick(PERSONA_OPENINGS, random).replace('{role}', pick(PERSONA_ROLES, random));
}

function joinBenign(benign: readonly LabeledText[], count: number, random: () => number): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(pick(benign, random).text);
  return parts.join(random() < 0.5 ? '\n\n' : '\n');
}

/**
 * `perKind` synthetic rows of each kind from `rows` (plus `extraBenign` texts, e.g. exam questions,
 * as benign material), deterministic for a given `random`. Rows carry source `augmented:<kind>`.
 */
export function augmentJailbreakRows(
  rows: readonly LabeledText[],
  random: () => number,
  perKind: number,
  extraBenign: readonly LabeledText[] = [],
): LabeledText[] {
  const benign = [...rows.filter((row) => row.label === 'benign'), ...extraBenign];
  const attacks = rows.filter((row) => row.label !== 'benign');
  const longAttacks = attacks.filter((row) => row.text.length > 300 && row.label !== 'harmful');
  const shortAttacks = attacks.filter((row) => row.text.length <= 300);
  if (benign.length === 0 || attacks.length === 0) return [];
  const words = [...new Set(benign.slice(0, 200).flatMap((row) => row.text.match(/[A-Za-z]{3,}/g) ?? []))];
  const out: LabeledText[] = [];
  const add = (kind: AugmentationKind, text: string, label: string) =>
    out.push({ text, label, source: `${AUGMENTED_SOURCE}:${kind}` });
  for (let i = 0; i < perKind; i++) {
    add('long-benign', joinBenign(benign, 2 + Math.floor(random() * 5), random), 'benign');
    const question = pick(benign, random).text;
    add(
      'benign-in-context',
      `${pick(CONTEXT_OPENINGS, random)}\n\n${joinBenign(benign, 1 + Math.floor(random() * 4), random)}\n\n${pick(QUESTION_LEADS, random)} ${question}`.trim(),
      'benign',
    );
    add('short-benign', openingOf(pick(benign, random).text, 15 + Math.floor(random() * 50)), 'benign');
    if (longAttacks.length > 0) {
      const attack = pick(longAttacks, random);
      add('short-attack', openingOf(attack.text, 80 + Math.floor(random() * 170)), attack.label);
    }
    const inner = pick(shortAttacks.length > 0 ? shortAttacks : attacks, random);
    const host = joinBenign(benign, 1 + Math.floor(random() * 3), random);
    const parts = shuffleInPlace([host, inner.text], random);
    add('embedded-attack', parts.join(random() < 0.5 ? '\n\n' : ' '), inner.label);
    add('persona-benign', `${persona(random)} ${pick(benign, random).text}`, 'benign');
    const framed = pick(shortAttacks.length > 0 ? shortAttacks : attacks, random);
    add('persona-attack', `${persona(random)} ${framed.text}`, framed.label);
    const goal = pick(shortAttacks.length > 0 ? shortAttacks : attacks, random);
    add('suffixed-attack', `${goal.text} ${gibberishSuffix(words, random)}`, 'jailbreak');
    add('few-words-benign', fewWordsOf(pick(benign, random).text, random), 'benign');
  }
  return out;
}

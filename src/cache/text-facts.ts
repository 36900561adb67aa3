/**
 * What the cache's verifier compares in two questions: the facts of a text that change an answer
 * even when the words around them barely change (negation, numbers and units, named entities, the
 * question word, the content words and the roles some of them play). Pure functions of the text,
 * linear in its length.
 */
export interface TextFacts {
  /** Negation cues (`not`, `never`, `n't`, `without`...), counted. */
  readonly negations: number;
  /** Numbers with their scale and unit, normalised (`2.5e9 usd`, `5 km`, `20 percent`), sorted. */
  readonly numbers: readonly string[];
  /** Named entities and identifiers (`paris`, `2fa`, `gpt-4`), lower case. */
  readonly entities: ReadonlySet<string>;
  /** The kinds of question asked (`what`, `who`, `where`, `when`, `why`, `how`, `how-much`). */
  readonly questions: ReadonlySet<string>;
  /** Quantifiers and hedges (`all`, `some`, `only`, `probably`...): how much or how sure. */
  readonly modality: ReadonlySet<string>;
  /** Stems of the content words (stop words, negations and numbers left out), in text order. */
  readonly content: readonly string[];
  /** Every token's lower-case form, for entity look-ups across the two texts. */
  readonly tokens: ReadonlySet<string>;
  /** Role of a stem or entity after a directional word (`from`, `to`, `than`, `vs`...): `to:paris`. */
  readonly roles: ReadonlyMap<string, string>;
  /** Entities and numbers in the order they appear (for swaps such as `X beat Y` / `Y beat X`). */
  readonly sequence: readonly string[];
}

/** Texts longer than this are compared on their first and last parts (a verifier's work is bounded). */
export const MAX_FACT_CHARS = 4096;

const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’.,\-/][\p{L}\p{M}\p{N}]+)*|[$€£¥%]|[.!?;:]/gu;

const NEGATIONS = new Set([
  'not',
  'no',
  'never',
  'none',
  'nobody',
  'nothing',
  'nowhere',
  'neither',
  'nor',
  'without',
  'cannot',
  'nope',
]);

/** Function words: they carry grammar, not what the question is about. */
const STOP_WORDS = new Set(
  (
    'a an the and or but if then else so as of at by for with about against between into through during ' +
    'before after above below to from up down in out on off over under again further once here there all ' +
    'any both each few more most other some such only own same than too very s t can will just should now ' +
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers ' +
    'herself it its itself they them their theirs themselves this that these those am is are was were be ' +
    'been being have has had having do does did doing would could might must shall may also please tell ' +
    'let us get got one ones something anything someone anyone thing things like well really want need ' +
    'know think say said says use using used way ve ll re d m o y hey hi hello thanks thank'
  ).split(' '),
);

/** Quantifiers and hedges: `some` and `all`, `probably` and `definitely` ask different things. */
const MODALITY = new Set(
  (
    'all every each some most few many several only always sometimes often usually rarely seldom ' +
    'probably possibly maybe perhaps definitely certainly likely unlikely'
  ).split(' '),
);

/** Question words and the kind of answer each asks for. */
const QUESTION_WORDS: Readonly<Record<string, string>> = {
  what: 'what',
  which: 'what',
  who: 'who',
  whom: 'who',
  whose: 'who',
  where: 'where',
  when: 'when',
  why: 'why',
  how: 'how',
};

/** Words a period follows without ending the sentence. */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'gen',
  'col',
  'sen',
  'rep',
  'gov',
  'st',
  'jr',
  'sr',
  'no',
  'vs',
  'inc',
  'co',
  'corp',
  'ltd',
  'e.g',
  'i.e',
  'etc',
  'u.s',
  'u.k',
]);

/** `what's`, `who're`, `where'd`: a question word with a contracted verb. */
const CONTRACTION = /['’](?:s|re|d|ll|ve)$/;

/** After `how`, these ask for a quantity rather than a way. */
const HOW_QUANTITY = new Set([
  'many',
  'much',
  'long',
  'old',
  'far',
  'big',
  'often',
  'tall',
  'large',
  'fast',
  'high',
]);

/** Words before an entity or content word that give it a role an answer depends on. */
const ROLE_WORDS = new Set([
  'from',
  'to',
  'into',
  'than',
  'vs',
  'versus',
  'against',
  'over',
  'onto',
  'toward',
  'towards',
]);

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
  dozen: 12,
  half: 0.5,
  twice: 2,
  double: 2,
  triple: 3,
};

const SCALES: Readonly<Record<string, number>> = {
  hundred: 100,
  thousand: 1e3,
  k: 1e3,
  million: 1e6,
  mln: 1e6,
  billion: 1e9,
  bn: 1e9,
  trillion: 1e12,
};

/** Units, by their normalised name: a number's unit is part of the number. */
const UNITS: Readonly<Record<string, string>> = {
  $: 'usd',
  dollar: 'usd',
  usd: 'usd',
  '€': 'eur',
  euro: 'eur',
  eur: 'eur',
  '£': 'gbp',
  pound: 'gbp-or-lb',
  gbp: 'gbp',
  '¥': 'jpy',
  yen: 'jpy',
  '%': 'percent',
  percent: 'percent',
  cent: 'cent',
  km: 'km',
  kilometer: 'km',
  kilometre: 'km',
  mile: 'mile',
  mi: 'mile',
  m: 'm',
  meter: 'm',
  metre: 'm',
  cm: 'cm',
  mm: 'mm',
  ft: 'ft',
  foot: 'ft',
  feet: 'ft',
  inch: 'in',
  kg: 'kg',
  kilogram: 'kg',
  g: 'g',
  gram: 'g',
  lb: 'lb',
  lbs: 'lb',
  ounce: 'oz',
  oz: 'oz',
  l: 'l',
  liter: 'l',
  litre: 'l',
  ml: 'ml',
  gallon: 'gal',
  celsius: 'celsius',
  c: 'celsius',
  fahrenheit: 'fahrenheit',
  f: 'fahrenheit',
  kelvin: 'kelvin',
  second: 's',
  sec: 's',
  minute: 'min',
  min: 'min',
  hour: 'h',
  hr: 'h',
  day: 'day',
  week: 'week',
  month: 'month',
  year: 'year',
  ms: 'ms',
  kb: 'kb',
  mb: 'mb',
  gb: 'gb',
  tb: 'tb',
  byte: 'byte',
  bit: 'bit',
  share: 'share',
  point: 'point',
  people: 'people',
  times: 'times',
};

/**
 * A light suffix stripper (plurals, -ing, -ed, -ly, a final e), so that `distorting` and
 * `distorted`, `questions` and `question` compare equal. Not a linguist's stemmer: both texts go
 * through the same one.
 */
export function stem(word: string): string {
  let w = word.replace(/['’]s$/, '');
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (/(x|z|ch|sh|ss)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = undouble(w.slice(0, -3));
  else if (w.length > 4 && w.endsWith('ied')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && w.endsWith('ed')) w = undouble(w.slice(0, -2));
  else if (w.length > 5 && w.endsWith('ly')) w = w.slice(0, -2);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

function undouble(w: string): string {
  const last = w.at(-1);
  return w.length > 3 && last === w.at(-2) && last !== 'l' && last !== 's' && last !== 'z'
    ? w.slice(0, -1)
    : w;
}

/** A text cut to at most {@link MAX_FACT_CHARS}: its start and its end. */
function bounded(text: string): string {
  if (text.length <= MAX_FACT_CHARS) return text;
  const half = MAX_FACT_CHARS / 2;
  return `${text.slice(0, half)} . ${text.slice(-half)}`;
}

function parseNumber(token: string): number | undefined {
  if (!/^\d/.test(token)) return NUMBER_WORDS[token];
  if (!/^\d+(?:[.,]\d+)*$/.test(token)) return undefined;
  // 1,000,000 and 1.5: a comma followed by exactly three digits groups thousands.
  const plain = /^\d{1,3}(,\d{3})+(\.\d+)?$/.test(token) ? token.replace(/,/g, '') : token.replace(',', '.');
  const value = Number(plain);
  return Number.isFinite(value) ? value : undefined;
}

function unitOf(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  return UNITS[token] ?? UNITS[stem(token)] ?? (token.endsWith('s') ? UNITS[token.slice(0, -1)] : undefined);
}

/** True for a token that names something: a capital inside a sentence, an acronym, letters with digits. */
function isEntityShape(original: string, sentenceStart: boolean): boolean {
  if (/\p{N}/u.test(original) && /\p{L}/u.test(original)) return true;
  if (/^\p{Lu}{2,}$/u.test(original.replace(/[.-]/g, ''))) return true;
  if (sentenceStart || original === 'I') return false;
  return /^\p{Lu}/u.test(original) || /\p{Ll}\p{Lu}/u.test(original);
}

/** The facts of a text that the verifier compares (see {@link TextFacts}). */
export function textFacts(text: string): TextFacts {
  const originals = bounded(text).match(TOKEN) ?? [];
  const lower = originals.map((token) => token.toLowerCase());
  let negations = 0;
  const numbers: string[] = [];
  const entities = new Set<string>();
  const questions = new Set<string>();
  const modality = new Set<string>();
  const asks = text.includes('?');
  const content: string[] = [];
  const roles = new Map<string, string>();
  const sequence: string[] = [];
  let sentenceStart = true;
  let role: string | undefined;
  for (let i = 0; i < lower.length; i++) {
    const token = lower[i] as string;
    const original = originals[i] as string;
    if (token === '.' || token === '!' || token === '?' || token === ';' || token === ':') {
      // The period of an initial or an abbreviation (`George W. Bush`, `Dr. Rowe`) ends nothing.
      const before = lower[i - 1] ?? '';
      if (token === '.' && (before.length === 1 || before.includes('.') || ABBREVIATIONS.has(before)))
        continue;
      sentenceStart = true;
      role = undefined;
      continue;
    }
    const start = sentenceStart;
    sentenceStart = false;
    if (NEGATIONS.has(token) || /n['’]t$/.test(token)) {
      negations++;
      continue;
    }
    // An acronym, or a capitalised word inside a sentence, is a name even when it spells a function
    // word (`US`, `WHO`, `May 1`).
    const named = /^\p{Lu}{2,}$/u.test(original) || (!start && original !== 'I' && /^\p{Lu}/u.test(original));
    if (named && (STOP_WORDS.has(token) || QUESTION_WORDS[token] !== undefined)) {
      entities.add(token);
      sequence.push(token);
      content.push(token);
      role = undefined;
      continue;
    }
    const question = QUESTION_WORDS[token.replace(CONTRACTION, '')];
    if (question) {
      // A question word asks only at the start of a sentence or in a question (elsewhere `which`
      // and `who` join clauses).
      if (start || asks) {
        const next = lower[i + 1];
        questions.add(
          question === 'how' && next !== undefined && HOW_QUANTITY.has(next) ? 'how-much' : question,
        );
      }
      continue;
    }
    if (MODALITY.has(token)) {
      modality.add(token);
      continue;
    }
    if (ROLE_WORDS.has(token)) {
      role =
        token === 'versus'
          ? 'vs'
          : token === 'towards' || token === 'toward' || token === 'onto'
            ? 'to'
            : token;
      continue;
    }
    // Scores, ranges, dates and versions (`5-4`, `8-10`, `9/11`, `2.6.0`) are numbers as written.
    if (/^\p{N}+(?:[-/.:]\p{N}+)+$/u.test(token) && parseNumber(token) === undefined) {
      numbers.push(token);
      sequence.push(token);
      role = undefined;
      continue;
    }
    const value = parseNumber(token);
    if (
      value !== undefined &&
      !(token === 'one' && !/^\p{N}/u.test(lower[i + 1] ?? '') && unitOf(lower[i + 1]) === undefined)
    ) {
      let scaled = value;
      let next = i + 1;
      const scale = SCALES[lower[next] ?? ''];
      if (scale !== undefined) {
        scaled *= scale;
        next++;
      }
      // `per cent` is one unit.
      if (lower[next] === 'per' && lower[next + 1] === 'cent') next++;
      const after = lower[next - 1] === 'per' ? 'percent' : unitOf(lower[next]);
      const unit = after ?? unitOf(lower[i - 1]);
      const fact = `${Number(scaled.toPrecision(12))}${unit ? ` ${unit}` : ''}`;
      numbers.push(fact);
      sequence.push(fact);
      if (role) roles.set(fact, role);
      role = undefined;
      // The scale and unit words belong to the number, not to the content words.
      i = after === undefined ? next - 1 : next;
      continue;
    }
    if (STOP_WORDS.has(token) || (UNITS[token] !== undefined && token.length === 1)) continue;
    if (isEntityShape(original, start)) {
      entities.add(token);
      sequence.push(token);
    } else if (start && /^\p{Lu}/u.test(original)) {
      // Perhaps a name, perhaps not: its place counts where the other text has it too.
      sequence.push(token);
    }
    // A unit without a number is still one concept however it is spelled (`km`, `kilometers`).
    const stemmed = unitOf(token) ?? stem(token);
    // `flow-accretive` and `flow accretive`, `re-entry` and `reentry`: the parts and the whole.
    if (token.includes('-')) {
      for (const part of token.split('-'))
        if (part.length > 2 && !STOP_WORDS.has(part)) content.push(stem(part));
      content.push(stem(token.replaceAll('-', '')));
    } else content.push(stemmed);
    if (role) {
      roles.set(stemmed, role);
      role = undefined;
    }
  }
  numbers.sort();
  return {
    negations,
    numbers,
    entities,
    questions,
    modality,
    content,
    tokens: new Set(lower),
    roles,
    sequence,
  };
}

/** The special tokens of the tiny encoder's WordPiece vocabulary, at ids 0–4 in this order. */
export const TINY_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const TOPIC_WORDS: Readonly<Record<string, string>> = {
  code:
    'code function python javascript typescript bug compile compiler program software debug ' +
    'class variable loop array string api server database query sql test script library git ' +
    'rust java error exception refactor',
  math:
    'math equation integral derivative number solve proof algebra calculus matrix vector prime ' +
    'sum theorem geometry triangle angle probability statistics fraction formula polynomial ' +
    'root square multiply divide',
  health:
    'health doctor medicine disease symptom pain fever patient hospital treatment drug dose ' +
    'blood heart cancer diet sleep vaccine infection headache nurse therapy clinic illness',
  food:
    'food recipe cook cooking bake bread cake pasta sauce soup salad chicken cheese egg sugar ' +
    'salt oven dinner lunch breakfast kitchen flour butter meal',
  money:
    'money bank loan tax price pay invest stock market budget credit debt interest salary cost ' +
    'fund profit income dollar finance account',
  travel:
    'travel trip flight hotel airport city country beach train ticket visa passport tour map ' +
    'road holiday vacation island museum journey',
};

/**
 * Words that share a topic; their embeddings share a topic direction, so the tiny encoder places
 * texts about one topic closer together than texts about different ones.
 */
export const TINY_TOPICS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(TOPIC_WORDS).map(([topic, list]) => [topic, list.split(' ')]),
);

/** Frequent English words without a topic (function words, common verbs, nouns and adjectives). */
const COMMON_WORDS = `the of and to a in is it you that he was for on are with as i his they be at one have this
from or had by hot but some what there we can out other were all your when up use word how said an each she
which do their time if will way about many then them would write like so these her long make thing see him two
has look more day could go come did my sound no most people over know water than call first who may down side
been now find any new work part take get place made live where after back little only round man year came show
every good me give our under name very through just form much great think say help low line before turn cause
same mean differ move right boy old too does tell sentence set three want air well also play small end put home
read hand port large spell add even land here must big high such follow act why ask men change went light kind
off need house picture try us again animal point mother world near build self earth father head stand own page
should found answer school grow study still learn plant cover sun four thought let keep eye never last door
between white begin life always those both paper together got group often run important until children feet
car mile night walk sea began river state once book hear stop without second later miss idea enough eat face
watch far really almost let above girl sometimes mountain cut young talk soon list song being leave family it's
please explain how why what write summarize translate tell show make create give list describe compare
question answer help hello hi thanks thank sorry yes okay best better worst fast slow easy hard simple short
today tomorrow yesterday week month hour minute morning evening friend job team company email message phone
weather rain snow cold warm music movie game sport ball story news history science art language english french
german spanish chinese word text letter document file image video data model chat bot ai machine learning`;

/** Word-final and word-internal pieces, written without the `##` continuation prefix. */
const SUFFIXES = `s es ed d ing er ers est ly ion ions tion tions ation ment ments ness able ible al ial ful less ous
ive ity ty ism ist ists ize ise ized ising izing ic ical ance ence ant ent ship hood ward wards y ey ie ies
en an ian ate ated ating ure ures age ery ory ary let ling ish`;

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}

/**
 * Builds the tiny encoder's vocabulary: special tokens, ASCII punctuation and digits, letters,
 * `##` letters and digits, `##` letter pairs, common suffix pieces, whole words, then word-initial
 * letter pairs. The order is fixed, so a token's id never changes between builds. About 2,000 tokens.
 */
export function buildTinyVocabulary(): string[] {
  const tokens: string[] = [...TINY_SPECIAL_TOKENS];
  const seen = new Set<string>(tokens);
  const push = (token: string): void => {
    if (seen.has(token)) return;
    seen.add(token);
    tokens.push(token);
  };
  for (let code = 33; code < 127; code++) {
    const char = String.fromCharCode(code);
    if (!/[A-Z]/.test(char)) push(char);
  }
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (const char of `${letters}0123456789`) push(`##${char}`);
  for (const first of letters) for (const second of letters) push(`##${first}${second}`);
  for (const suffix of words(SUFFIXES)) push(`##${suffix}`);
  for (const word of words(COMMON_WORDS)) if (/^[a-z]+$/.test(word)) push(word);
  for (const topic of Object.values(TINY_TOPICS)) for (const word of topic) push(word);
  for (const first of letters) for (const second of letters) push(`${first}${second}`);
  return tokens;
}

/**
 * How long the analyser may take over one pattern. A pattern it cannot settle in this time is
 * refused, as a vulnerable one is: the policy author simplifies it.
 */
const ANALYSIS_TIMEOUT_MS = 10_000;

const verdicts = new Map<string, Promise<string | undefined>>();

async function analyse(source: string, flags: string): Promise<string | undefined> {
  const { check } = await import('recheck');
  const result = await check(source, flags, { timeout: ANALYSIS_TIMEOUT_MS });
  const shown = `/${source}/`;
  if (result.status === 'safe') return undefined;
  if (result.status === 'vulnerable') {
    return `pattern ${shown} can take ${result.complexity.summary} time in the length of the prompt (an input such as ${result.attack.pattern} makes it backtrack); rewrite it so that no two of its parts can match the same characters, e.g. [^,]* instead of .* before a comma, or a fixed bound like {0,200}`;
  }
  if (result.error.kind === 'timeout') {
    return `pattern ${shown} could not be shown to run in linear time within ${ANALYSIS_TIMEOUT_MS / 1000} s; simplify it`;
  }
  const detail = 'message' in result.error ? `: ${result.error.message}` : '';
  return `pattern ${shown} could not be analysed (${result.error.kind}${detail}); simplify it`;
}

/**
 * Why a regular expression could take more than linear time in the length of the text it is tested
 * on, or undefined when an analyser (recheck, which searches the pattern's automaton for ambiguity
 * and fuzzes the rest) shows it does not. One analysis per pattern and flags per process.
 */
export function superLinearProblem(source: string, flags: string): Promise<string | undefined> {
  const key = `${flags}/${source}`;
  let verdict = verdicts.get(key);
  if (!verdict) {
    verdict = analyse(source, flags).catch(
      (error: Error) => `pattern /${source}/ could not be analysed: ${error.message}`,
    );
    verdicts.set(key, verdict);
  }
  return verdict;
}

/** One problem found in a policy file, located by its YAML path and (when known) line and column. */
export interface PolicyIssue {
  severity: 'error' | 'warning';
  path: readonly (string | number)[];
  message: string;
  line?: number;
  column?: number;
}

/** Formats `path` the way policy authors read it: `decisions[2].when.any[0]`. */
function formatPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : text === '' ? part : `.${part}`;
  return text === '' ? '(root)' : text;
}

/** `source:line:column: path: message`, one issue per line. */
export function formatIssue(issue: PolicyIssue, source: string): string {
  const where = issue.line === undefined ? source : `${source}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.severity}: ${formatPath(issue.path)}: ${issue.message}`;
}

/** Thrown when a policy cannot be loaded; carries every error found, not just the first. */
export class PolicyError extends Error {
  readonly issues: readonly PolicyIssue[];
  readonly source: string;

  constructor(source: string, issues: readonly PolicyIssue[]) {
    const errors = issues.filter((i) => i.severity === 'error');
    super(
      `policy ${source} is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${errors
        .map((i) => `  ${formatIssue(i, source)}`)
        .join('\n')}`,
    );
    this.name = 'PolicyError';
    this.issues = issues;
    this.source = source;
  }
}

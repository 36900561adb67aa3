import type { RequestBudget } from '../../request/request-budget.ts';

/** Texts up to this many characters are scanned in one piece, without pausing. */
export const WHOLE_TEXT_CHARS = 128 * 1024;

/** How a long text is cut into windows. */
export interface WindowGeometry {
  /** The part of the text each window owns. */
  window: number;
  /** Characters each window reads before the part it owns. */
  overlap: number;
  /**
   * Context at both edges of a window that no finding may start in (at the leading edge) or end in
   * (at the trailing edge): an edge the text does not have could otherwise fake a word boundary, a
   * `^` or `$`, or a look-around.
   */
  margin: number;
}

const GEOMETRY: WindowGeometry = { window: 128 * 1024, overlap: 4096, margin: 256 };

/** Longest finding a windowed scan is sure to see, in characters. */
export const WINDOWED_FINDING_CHARS = GEOMETRY.overlap - GEOMETRY.margin;

/** A finding in a text: `[start, end)` in UTF-16 code units. */
export interface Finding {
  start: number;
  end: number;
}

/**
 * Scans a long text window by window, pausing on the request's budget between windows, so that no
 * scan holds the event loop for long. `scan` gets each window's text and reports findings with
 * offsets into it (it may ask `keeps` whether a finding would count, to stop early); the findings
 * returned are the ones a scan of the whole text would report, as
 * long as each is at most {@link WINDOWED_FINDING_CHARS} long and depends on at most
 * {@link MARGIN} characters around it. Offsets are shifted into the whole text. `stopAtFirst` ends
 * the scan at the first finding. Throws BudgetExhausted when the budget runs out.
 */
export async function scanInWindows<T extends Finding>(
  text: string,
  budget: RequestBudget,
  scan: (window: string, keeps: (finding: Finding) => boolean) => T[],
  stopAtFirst = false,
  geometry: WindowGeometry = GEOMETRY,
): Promise<T[]> {
  const { window, overlap, margin } = geometry;
  const found: T[] = [];
  for (let owned = 0; owned < text.length; owned += window) {
    if (budget.due()) await budget.pause();
    const from = Math.max(0, owned - overlap);
    const ownedEnd = Math.min(text.length, owned + window);
    const to = Math.min(text.length, ownedEnd + margin);
    const earliest = owned === 0 ? 0 : from + margin;
    const latest = ownedEnd;
    // Outside the window's own part (the previous window reported it), or next to an edge that the
    // text does not have: not kept.
    const keeps = (finding: Finding) => {
      const start = finding.start + from;
      const end = finding.end + from;
      return start >= earliest && end <= latest && (owned === 0 || end > owned);
    };
    for (const finding of scan(text.slice(from, to), keeps)) {
      if (!keeps(finding)) continue;
      found.push({ ...finding, start: finding.start + from, end: finding.end + from });
      if (stopAtFirst) return found;
    }
  }
  return found;
}

/** Requests routed only to be explained (nothing is forwarded): learning selectors remember no choice for them. */
const DRY_RUNS = new WeakSet<object>();

/** Marks a request as routed only to explain it. */
export function markDryRun(request: object): void {
  DRY_RUNS.add(request);
}

/** Whether a request is routed only to be explained. */
export function isDryRun(request: object): boolean {
  return DRY_RUNS.has(request);
}

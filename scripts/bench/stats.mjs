/** Small statistics for the benchmark: medians of repeated runs, never a single sample. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

export const median = (values) => percentile(values, 0.5);

export const round = (x, digits = 2) => Number(x.toFixed(digits));

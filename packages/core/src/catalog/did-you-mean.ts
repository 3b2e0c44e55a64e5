/** The candidate a person most likely meant, or undefined when none is close. */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const wanted = normalize(input);
  const exact = candidates.find((candidate) => normalize(candidate) === wanted);
  if (exact !== undefined) return exact;
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const other = normalize(candidate);
    const budget = Math.max(1, Math.floor(Math.max(wanted.length, other.length) / 3));
    if (Math.abs(wanted.length - other.length) > budget) continue;
    const distance = editDistance(wanted, other);
    // on equal distance, a candidate the input is the start of wins: 'A100-80' means 'A100-80GB', not 'A100'
    const score = distance * 2 + (other.startsWith(wanted) ? 0 : 1);
    if (distance <= budget && (best === undefined || score < best.score)) best = { candidate, score };
  }
  return best?.candidate;
}

/** Case, '-', '_' and spaces don't count: `max_model_len`, `MaxModelLen` and `maxModelLen` match. */
function normalize(value: string): string {
  return value.toLowerCase().replace(/[-_\s]/g, '');
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment), in three rolling rows. */
export function editDistance(a: string, b: string): number {
  let beforePrevious = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, beforePrevious[j - 2] + 1);
      current[j] = value;
    }
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[b.length];
}

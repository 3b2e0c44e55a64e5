import { describe, expect, test, vi } from 'vitest';
import { silentReporter, type Reporter } from '../../src/report/index.js';
import { Progress } from '../../src/stage/progress.js';

describe('staging progress', () => {
  test('goes to the reporter\'s progress() with the fraction done, when the reporter draws progress', () => {
    vi.useFakeTimers();
    try {
      const drawn: [string, number][] = [];
      const reporter: Reporter = { ...silentReporter, progress: (message, fraction) => drawn.push([message, fraction]) };
      const progress = new Progress(4 * 1048576, 2, reporter, 100);
      progress.start();
      progress.add(1048576, 1048576);
      vi.advanceTimersByTime(100);
      progress.skip(1048576, true);
      vi.advanceTimersByTime(100);
      progress.stop();
      expect(drawn.map(([, fraction]) => fraction)).toEqual([0.25, 0.5]);
      expect(drawn[1]![0]).toMatch(/^50\.0% 2\/4 MiB, .* 1\/2 files$/);
    } finally {
      vi.useRealTimers();
    }
  });

  test('is an info line every interval for a reporter without progress(), as in a workflow log', () => {
    vi.useFakeTimers();
    try {
      const lines: string[] = [];
      const progress = new Progress(1048576, 1, { ...silentReporter, info: (message) => lines.push(message) }, 100);
      progress.start();
      progress.add(1048576, 1048576);
      vi.advanceTimersByTime(100);
      progress.stop();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^100\.0% 1\/1 MiB/);
    } finally {
      vi.useRealTimers();
    }
  });
});

import type { Reporter } from '@ray-gitops/core';

export interface ReportedEvent {
  readonly type: 'info' | 'warning' | 'error' | 'group';
  readonly text: string;
  /** the group the event was reported in */
  readonly group: string | undefined;
}

/** A Reporter that records what it is told, groups included, and can run a callback per line. */
export function captureReporter(onInfo?: (text: string) => void): { reporter: Reporter; events: ReportedEvent[] } {
  const events: ReportedEvent[] = [];
  let current: string | undefined;
  const reporter: Reporter = {
    info: (text) => {
      events.push({ type: 'info', text, group: current });
      onInfo?.(text);
    },
    warning: (text) => events.push({ type: 'warning', text, group: current }),
    error: (text) => events.push({ type: 'error', text, group: current }),
    group: async (title, work) => {
      if (current !== undefined) throw new Error(`group '${title}' opened inside '${current}': Actions groups do not nest`);
      events.push({ type: 'group', text: title, group: undefined });
      current = title;
      try {
        return await work();
      } finally {
        current = undefined;
      }
    },
    secret: () => undefined,
  };
  return { reporter, events };
}

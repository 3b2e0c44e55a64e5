/**
 * Plain log text that cannot start a GitHub Actions workflow command.
 *
 * The runner reads a step's output line by line (a line ends at \n, \r\n or a lone \r) and treats a
 * line as a command when, after leading whitespace, it starts with `::` (`::error::`, `::add-mask::`,
 * `::stop-commands::`, …), or, in the old syntax, when it holds `##[`. Text from outside (catalog
 * fields, file and entry names, what a server answered) is written into log lines, so a newline in it
 * followed by `::set-output …` would otherwise be obeyed. Annotations (`::error file=…::data`) are
 * safe already: @actions/core escapes their data (%, \r, \n) and properties; this is for everything
 * written as a plain line.
 *
 * A line whose first non-blank characters are `::` gets its first colon written as `%3A` (GitHub's own
 * escape for `:`), and `##[` becomes `##%5B`; nothing else changes, so ordinary lines read as before.
 */
export function neutraliseWorkflowCommands(text: string): string {
  return new WorkflowCommandGuard().neutralise(text);
}

const LINE_BREAK = /(\r\n|\r|\n)/;
const LEADING_BLANKS = /^[^\S\r\n]*/;

/**
 * The same over a stream written in pieces: remembers whether the next piece starts a line, so a line
 * break at the end of one write and `::` at the start of the next are still caught.
 */
class WorkflowCommandGuard {
  /** nothing but blanks written since the last line break */
  private atLineStart = true;

  neutralise(text: string): string {
    let out = '';
    for (const part of text.split(LINE_BREAK)) {
      if (part === '') continue;
      if (part === '\n' || part === '\r\n' || part === '\r') {
        out += part;
        this.atLineStart = true;
        continue;
      }
      out += this.line(part);
    }
    return out;
  }

  private line(part: string): string {
    let text = part;
    let prefix = '';
    if (this.atLineStart) {
      const blanks = LEADING_BLANKS.exec(text)![0];
      const rest = text.slice(blanks.length);
      if (rest === '') return text; // still at the start of the line
      this.atLineStart = false;
      // a lone ':' at the end of a write may be completed to '::' by the next one
      if (rest.startsWith('::') || rest === ':') {
        prefix = `${blanks}%3A`;
        text = rest.slice(1);
      }
    }
    return prefix + text.split('##[').join('##%5B');
  }
}

/** A sink whose writes pass through a WorkflowCommandGuard. */
export function guardWorkflowCommands<T extends { write(text: string): unknown }>(sink: T): { write(text: string): unknown } {
  const guard = new WorkflowCommandGuard();
  return { write: (text: string) => sink.write(guard.neutralise(text)) };
}

import type { SourceLocation } from './diagnostic.js';
import type { Reporter } from './reporter.js';
import { neutraliseWorkflowCommands } from './workflow-commands.js';

/** Where an annotation points, in the shape GitHub's workflow commands take. */
interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}

/**
 * The slice of @actions/core a reporter needs. Declared here, structurally, so core stays free of
 * @actions imports while an action simply passes `import * as core from '@actions/core'`. Like
 * @actions/core, warning, error and group must escape their text as workflow-command data; info
 * writes a plain line, which the reporter neutralises itself.
 */
export interface WorkflowToolkit {
  info(message: string): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  setSecret(secret: string): void;
}

/** A Reporter that turns located findings into GitHub annotations on the PR's files. */
export function createWorkflowReporter(toolkit: WorkflowToolkit): Reporter {
  return {
    // messages quote catalog fields, file names and servers' answers: none may start a workflow command
    info: (message) => toolkit.info(neutraliseWorkflowCommands(message)),
    warning: (message, location) => toolkit.warning(message, annotationAt(location)),
    error: (message, location) => toolkit.error(message, annotationAt(location)),
    group: (title, work) => toolkit.group(title, work),
    secret: (value) => toolkit.setSecret(value),
  };
}

function annotationAt(location: SourceLocation | undefined): AnnotationProperties | undefined {
  if (!location) return undefined;
  return {
    file: location.file,
    startLine: location.line,
    startColumn: location.column,
    endLine: location.endLine,
    endColumn: location.endColumn,
  };
}

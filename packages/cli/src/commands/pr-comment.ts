import { readFile } from 'node:fs/promises';
import { DEFAULT_GITHUB_API_URL, GITHUB_ACTIONS_BOT_LOGIN, InputFileError, PLAN_COMMENT_MARKER, UsageError, upsertPullRequestComment } from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

export const prCommentCommand: CommandDefinition = {
  path: ['pr-comment'],
  summary: 'Post a file as the pull request\'s one marked comment: edits the earlier bot comment in place, or creates it.',
  synopsis: '--body-file FILE [--pr N] [--repo OWNER/NAME] [--marker NAME] [--head-sha SHA] [--bot-login LOGIN]',
  options: {
    'body-file': { type: 'string', value: 'FILE', description: 'the comment body, e.g. the markdown of ray-gitops plan (required)' },
    'pr': { type: 'string', value: 'N', description: 'pull request number (default: from GITHUB_REF refs/pull/N/… or the event in GITHUB_EVENT_PATH)' },
    'repo': { type: 'string', value: 'OWNER/NAME', description: 'repository (default: GITHUB_REPOSITORY)' },
    'marker': { type: 'string', value: 'NAME', default: PLAN_COMMENT_MARKER, description: "the comment is found by <!-- NAME --> and the token's own identity as author" },
    'head-sha': { type: 'string', value: 'SHA', description: 'comment only if the pull request\'s head is still this commit (workflow_run: the run\'s head_sha)' },
    'bot-login': {
      type: 'string',
      value: 'LOGIN',
      default: GITHUB_ACTIONS_BOT_LOGIN,
      description: "the login a GitHub App token comments as (e.g. my-app[bot]); a user's token is looked up with GET /user",
    },
  },
  async run({ values, streams, reporter }) {
    const env = process.env;
    const bodyFile = values['body-file'] as string | undefined;
    if (bodyFile === undefined) throw new UsageError('--body-file FILE is required');
    const repo = (values.repo as string | undefined) ?? env.GITHUB_REPOSITORY;
    if (!repo) throw new UsageError('no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY');
    const token = env.GITHUB_TOKEN ?? '';
    if (token === '') throw new UsageError('no GitHub token: set GITHUB_TOKEN to a token that may write pull-request comments');
    reporter.secret(token);
    const pullNumber = (values.pr as string | undefined) ?? (await pullNumberFromEnvironment(env));
    if (pullNumber === undefined) throw new UsageError('no pull request number: pass --pr N (outside a pull_request event it cannot be guessed)');
    let body: string;
    try {
      body = await readFile(bodyFile, 'utf8');
    } catch (error) {
      throw new InputFileError(`cannot read the comment body '${bodyFile}' (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
    }
    const headSha = values['head-sha'] as string | undefined;
    const result = await upsertPullRequestComment({
      apiUrl: env.GITHUB_API_URL || DEFAULT_GITHUB_API_URL,
      token,
      repo,
      pullNumber,
      body,
      marker: values.marker as string,
      ...(headSha !== undefined ? { expectedHeadSha: headSha } : {}),
      botLogin: values['bot-login'] as string,
      onWait: (message) => reporter.warning(message),
    });
    reporter.info(`${result.action} comment ${result.id} on ${repo}#${pullNumber}`);
    streams.stdout.write(`${result.action} ${result.url}\n`);
    return ExitCode.ok;
  },
};

/** The pull request of a pull_request run: `refs/pull/N/merge`, or the event payload's number. */
async function pullNumberFromEnvironment(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const fromRef = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1];
  if (fromRef !== undefined) return fromRef;
  if (!env.GITHUB_EVENT_PATH) return undefined;
  try {
    const event = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) as { pull_request?: { number?: unknown } };
    const number = event.pull_request?.number;
    return typeof number === 'number' ? String(number) : undefined;
  } catch {
    return undefined; // no readable event: the caller asks for --pr
  }
}

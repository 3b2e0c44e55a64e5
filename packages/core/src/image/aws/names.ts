/** True when an SDK error has this AWS error name (`__type` of AWS JSON, `<Code>` of S3). */
export function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
